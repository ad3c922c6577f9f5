"""Operators drive stations: every CSMS-initiated Core operation through the HTTP API,
over the bus, to a simulated station, with the station's real answer and stored effects."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names, ocppj
from shared.ocppj import Call, CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.operated_station import OperatedStation
from tests.simulator import BOOT, RawStation, open_ws, sim_station
from tests.test_end_to_end import eventually


async def command(
    api: Api, station: str, action: str, payload: dict[str, Any], query: str = ""
) -> tuple[int, Any]:
    return await api.request("POST", f"/stations/{station}/ocpp/{action}{query}", payload)


async def completed(api: Api, command_id: str) -> dict[str, Any]:
    async def done() -> Any:
        _, doc = await api.request("GET", f"/commands/{command_id}")
        return doc if doc and doc["status"] != "pending" else None

    doc = await eventually(done)
    assert doc, f"command {command_id} never completed"
    return doc


# --- the operations ----------------------------------------------------------------------

SIMPLE = [
    ("Reset", {"type": "Immediate"}, {"status": "Accepted"}),
    ("Reset", {"type": "OnIdle"}, {"status": "Scheduled"}),
    ("Reset", {"type": "Immediate", "evseId": 1}, {"status": "Accepted"}),
    ("UnlockConnector", {"evseId": 1, "connectorId": 1}, {"status": "Unlocked"}),
    ("ChangeAvailability", {"operationalStatus": "Inoperative"}, {"status": "Accepted"}),
    (
        "ChangeAvailability",
        {"operationalStatus": "Operative", "evse": {"id": 1}},
        {"status": "Accepted"},
    ),
    (
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        {"status": "Accepted"},
    ),
    ("ClearCache", {}, {"status": "Accepted"}),
    ("RequestStopTransaction", {"transactionId": "TX-9"}, {"status": "Accepted"}),
    (
        "GetTransactionStatus",
        {"transactionId": "TX-9"},
        {"messagesInQueue": False, "ongoingIndicator": True},
    ),
    (
        "SetNetworkProfile",
        {
            "configurationSlot": 2,
            "connectionData": {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": "wss://csms.example/ocpp",
                "messageTimeout": 30,
                "securityProfile": 2,
                "ocppInterface": "Wired0",
            },
        },
        {"status": "Accepted"},
    ),
    (
        "InstallCertificate",
        {"certificateType": "CSMSRootCertificate", "certificate": "-----BEGIN CERTIFICATE-----"},
        {"status": "Accepted"},
    ),
    (
        "GetInstalledCertificateIds",
        {"certificateType": ["CSMSRootCertificate"]},
        {
            "status": "Accepted",
            "certificateHashDataChain": [
                {
                    "certificateType": "CSMSRootCertificate",
                    "certificateHashData": {
                        "hashAlgorithm": "SHA256",
                        "issuerNameHash": "a" * 64,
                        "issuerKeyHash": "b" * 64,
                        "serialNumber": "1f",
                    },
                }
            ],
        },
    ),
    (
        "DeleteCertificate",
        {
            "certificateHashData": {
                "hashAlgorithm": "SHA256",
                "issuerNameHash": "a" * 64,
                "issuerKeyHash": "b" * 64,
                "serialNumber": "1f",
            }
        },
        {"status": "Accepted"},
    ),
    (
        "DataTransfer",
        {"vendorId": "com.example", "data": "ping"},
        {"status": "Accepted", "data": {"echo": "ping"}},
    ),
]


@pytest.mark.parametrize(
    ("action", "payload", "expected"),
    SIMPLE,
    ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(SIMPLE)],
)
async def test_operation_returns_the_stations_answer_and_is_recorded(
    api: Api,
    station: str,
    operated: OperatedStation,
    action: str,
    payload: dict[str, Any],
    expected: dict[str, Any],
):
    status, body = await command(api, station, action, payload)
    assert status == 200, body
    assert body["response"] == expected
    assert operated.received[-1][0] == action
    record = await completed(api, body["commandId"])
    assert (record["status"], record["action"], record["request"], record["response"]) == (
        "answered",
        action,
        payload,
        expected,
    )


@pytest.mark.parametrize("outcome", ["Accepted", "Rejected"])
async def test_clear_cache_outcome_is_recorded_on_the_command(
    api: Api, station: str, operated: OperatedStation, outcome: str
):
    """C11: the station's answer to ClearCache, Rejected included, is the command's record."""
    operated.clear_cache_status = outcome
    status, body = await command(api, station, "ClearCache", {})
    assert status == 200 and body["response"] == {"status": outcome}
    record = await completed(api, body["commandId"])
    assert (record["action"], record["status"], record["response"]) == (
        "ClearCache",
        "answered",
        {"status": outcome},
    )
    _, listed = await api.request("GET", f"/commands?stationId={station}")
    assert [c["response"] for c in listed["commands"] if c["action"] == "ClearCache"] == [
        {"status": outcome}
    ]


async def test_set_network_profile_is_kept_on_the_station(
    api: Api, station: str, operated: OperatedStation
):
    action, payload, _ = SIMPLE[10]
    status, body = await command(api, station, action, payload)
    assert status == 200
    await completed(api, body["commandId"])
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["networkProfiles"][0]["configurationSlot"] == 2


@pytest.mark.parametrize("kind", ["ISO14443", "ISO15693", "Central", "NoAuthorization"])
async def test_remote_start_links_the_following_transaction_to_the_command(
    api: Api, station: str, operated: OperatedStation, kind: str
):
    remote_start_id = abs(hash((station, kind))) % 100000
    status, body = await command(
        api,
        station,
        "RequestStartTransaction",
        {
            "idToken": {"idToken": "" if kind == "NoAuthorization" else "REMOTE-1", "type": kind},
            "remoteStartId": remote_start_id,
            "evseId": 1,
        },
    )
    assert status == 200 and body["response"]["status"] == "Accepted"

    async def linked() -> Any:
        code, tx = await api.request(
            "GET", f"/transactions/REMOTE-{remote_start_id}?stationId={station}"
        )
        return tx if code == 200 and tx.get("commandId") else None

    tx = await eventually(linked)
    assert tx and tx["commandId"] == body["commandId"] and tx["remoteStartId"] == remote_start_id
    record = await completed(api, body["commandId"])
    assert record["transactionId"] == f"REMOTE-{remote_start_id}"


async def test_get_and_set_variables_with_several_elements_fill_the_device_model(
    api: Api, station: str, operated: OperatedStation
):
    status, body = await command(
        api,
        station,
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}},
                {"component": {"name": "Clock"}, "variable": {"name": "Unknowable"}},
            ]
        },
    )
    assert status == 200
    assert [r["attributeStatus"] for r in body["response"]["getVariableResult"]] == [
        "Accepted",
        "Accepted",
        "UnknownVariable",
    ]
    status, body = await command(
        api,
        station,
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "TxCtrlr"},
                    "variable": {"name": "EVConnectionTimeOut"},
                    "attributeValue": "120",
                },
                {
                    "component": {"name": "AuthCtrlr"},
                    "variable": {"name": "Enabled"},
                    "attributeValue": "bad",
                },
            ]
        },
    )
    assert [r["attributeStatus"] for r in body["response"]["setVariableResult"]] == [
        "Accepted",
        "Rejected",
    ]
    await completed(api, body["commandId"])
    _, model = await api.request("GET", f"/stations/{station}/device-model")
    values = {
        (v["component"]["name"], v["variable"]["name"]): v["attributes"][0]["value"]
        for v in model["variables"]
    }
    assert values == {
        ("OCPPCommCtrlr", "HeartbeatInterval"): "value-of-HeartbeatInterval",
        ("EVSE", "Power"): "value-of-Power",
        ("TxCtrlr", "EVConnectionTimeOut"): "120",
    }


@pytest.mark.parametrize("base", ["ConfigurationInventory", "FullInventory", "SummaryInventory"])
async def test_get_base_report_parts_are_assembled_and_the_report_completes(
    api: Api, station: str, operated: OperatedStation, base: str
):
    status, body = await command(
        api, station, "GetBaseReport", {"requestId": 77, "reportBase": base}
    )
    assert status == 200 and body["response"] == {"status": "Accepted"}

    async def complete() -> Any:
        _, reports = await api.request("GET", f"/stations/{station}/reports")
        found = [r for r in reports["reports"] if r["requestId"] == 77]
        return found[0] if found and found[0].get("complete") and "status" in found[0] else None

    report = await eventually(complete)
    assert report and report["reportBase"] == base and sorted(report["seqNos"]) == [0, 1]
    _, model = await api.request("GET", f"/stations/{station}/device-model")
    names_ = {v["variable"]["name"] for v in model["variables"]}
    assert {"HeartbeatInterval", "SecurityProfile"} <= names_


async def test_get_report_with_criteria(api: Api, station: str, operated: OperatedStation):
    status, body = await command(
        api,
        station,
        "GetReport",
        {
            "requestId": 78,
            "componentCriteria": ["Available"],
            "componentVariable": [{"component": {"name": "EVSE"}}],
        },
    )
    assert status == 200 and body["response"]["status"] == "Accepted"

    async def complete() -> Any:
        _, reports = await api.request("GET", f"/stations/{station}/reports")
        found = [r for r in reports["reports"] if r["requestId"] == 78]
        return found[0] if found and found[0].get("complete") and "kind" in found[0] else None

    report = await eventually(complete)
    assert report and report["componentCriteria"] == ["Available"]


@pytest.mark.parametrize(
    "message",
    [
        "BootNotification",
        "Heartbeat",
        "StatusNotification",
        "MeterValues",
        "LogStatusNotification",
        "FirmwareStatusNotification",
        "TransactionEvent",
        "SignChargingStationCertificate",
    ],
)
async def test_trigger_message(api: Api, station: str, operated: OperatedStation, message: str):
    status, body = await command(api, station, "TriggerMessage", {"requestedMessage": message})
    assert status == 200 and body["response"] == {"status": "Accepted"}
    assert operated.received[-1] == ("TriggerMessage", {"requestedMessage": message})


async def test_customer_information_parts_are_collected(
    api: Api, station: str, operated: OperatedStation
):
    status, body = await command(
        api,
        station,
        "CustomerInformation",
        {
            "requestId": 31,
            "report": True,
            "clear": False,
            "idToken": {"idToken": "04A1", "type": "ISO14443"},
        },
    )
    assert status == 200 and body["response"]["status"] == "Accepted"

    async def parts() -> Any:
        _, got = await api.request("GET", f"/stations/{station}/customer-information?requestId=31")
        return got["parts"] if len(got["parts"]) == 2 else None

    collected = await eventually(parts)
    assert [p["data"] for p in collected] == ["name=Jane Doe", "card=04A1"]
    for criteria in (
        {"customerIdentifier": "cust-7"},
        {
            "customerCertificate": {
                "hashAlgorithm": "SHA256",
                "issuerNameHash": "a" * 64,
                "issuerKeyHash": "b" * 64,
                "serialNumber": "01",
            }
        },
    ):
        status, body = await command(
            api,
            station,
            "CustomerInformation",
            {"requestId": 32, "report": False, "clear": True, **criteria},
        )
        assert status == 200, body


async def test_update_firmware_scheduled_is_tracked(
    api: Api, station: str, operated: OperatedStation
):
    status, body = await command(
        api,
        station,
        "UpdateFirmware",
        {
            "requestId": 12,
            "firmware": {
                "location": "https://fw.example/v2.bin",
                "retrieveDateTime": "2030-01-01T00:00:00Z",
                "installDateTime": "2030-01-01T02:00:00Z",
            },
        },
    )
    assert status == 200 and body["response"]["status"] == "Accepted"
    assert operated.received[-1][1]["install_date_time"] == "2030-01-01T02:00:00Z"

    async def tracked() -> Any:
        _, view = await api.request("GET", f"/stations/{station}")
        ok = view["firmwareUpdate"] and (view["firmwareStatus"] or {}).get("requestId") == 12
        return view if ok else None

    view = await eventually(tracked)
    full = (await api.request("GET", f"/stations/{station}"))[1]
    assert view, (full["firmwareUpdate"], full["firmwareStatus"])
    assert view["firmwareUpdate"]["status"] == "Accepted"
    assert view["firmwareStatus"]["status"] == "Downloading"


async def test_get_log_is_tracked(api: Api, station: str, operated: OperatedStation):
    status, body = await command(
        api,
        station,
        "GetLog",
        {
            "log": {"remoteLocation": "https://logs.example/upload"},
            "logType": "DiagnosticsLog",
            "requestId": 13,
        },
    )
    assert status == 200 and body["response"]["filename"] == "diag.tar.gz"

    async def tracked() -> Any:
        _, view = await api.request("GET", f"/stations/{station}")
        ok = view["logRequest"] and (view["logStatus"] or {}).get("requestId") == 13
        return view if ok else None

    assert await eventually(tracked)


# --- errors ------------------------------------------------------------------------------


async def test_unknown_station_is_404_and_offline_station_is_409(api: Api, station: str):
    status, _ = await command(api, "NO-SUCH-STATION", "ClearCache", {})
    assert status == 404
    status, body = await command(api, station, "ClearCache", {})
    assert status == 409 and body["detail"]["status"] == "offline"
    record = await completed(api, body["detail"]["commandId"])
    assert record["status"] == "offline"


async def test_invalid_payload_is_422_and_nothing_is_sent(
    api: Api, station: str, operated: OperatedStation
):
    status, body = await command(api, station, "Reset", {"type": "Sometime"})
    assert status == 422 and body["detail"]["code"] == "PropertyConstraintViolation"
    status, _ = await command(api, station, "MakeCoffee", {})
    assert status == 404
    assert [a for a, _ in operated.received] == []


async def test_station_answering_callerror_is_502(
    api: Api, station: str, operated: OperatedStation
):
    operated.fail_reset = True
    status, body = await command(api, station, "Reset", {"type": "Immediate"})
    assert status == 502
    assert (body["detail"]["code"], body["detail"]["description"]) == (
        "GenericError",
        "reset relay stuck",
    )
    record = await completed(api, body["detail"]["commandId"])
    assert record["status"] == "callerror" and record["error"]["code"] == "GenericError"


@pytest.fixture
async def raw_connected(cluster: Cluster, station: str) -> AsyncIterator[RawStation]:
    raw = RawStation(await open_ws(cluster.ws_url, station, PASSWORD))
    assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
    yield raw
    await raw.ws.close()


async def test_station_never_answering_is_504(api: Api, station: str, raw_connected: RawStation):
    status, body = await command(api, station, "ClearCache", {}, "?timeout=1")
    assert status == 504 and body["detail"]["status"] == "timeout"
    call = await raw_connected.receive()
    assert isinstance(call, Call) and call.action == "ClearCache"
    # A late answer changes nothing and does not disturb the station's own calls.
    await raw_connected.send(ocppj.result_frame(call.message_id, {"status": "Accepted"}))
    assert isinstance(await raw_connected.call("Heartbeat", {}), CallResult)


async def test_invalid_station_answer_is_502(api: Api, station: str, raw_connected: RawStation):
    task = asyncio.create_task(command(api, station, "ClearCache", {}))
    call = await raw_connected.receive()
    assert isinstance(call, Call)
    await raw_connected.send(ocppj.result_frame(call.message_id, {"status": "Maybe"}))
    status, body = await task
    assert status == 502 and body["detail"]["status"] == "invalid_response"


async def test_station_disconnecting_mid_call_fails_clearly(
    api: Api, station: str, raw_connected: RawStation
):
    task = asyncio.create_task(command(api, station, "ClearCache", {}))
    assert isinstance(await raw_connected.receive(), Call)
    await raw_connected.ws.close()
    status, body = await asyncio.wait_for(task, 10)
    assert status == 409 and body["detail"]["status"] == "disconnected"


async def test_both_directions_are_independent(api: Api, station: str, raw_connected: RawStation):
    task = asyncio.create_task(command(api, station, "ClearCache", {}))
    call = await raw_connected.receive()
    assert isinstance(call, Call)
    # The station owes us an answer, yet its own CALL is answered meanwhile.
    assert isinstance(await raw_connected.call("Heartbeat", {}), CallResult)
    await raw_connected.send(ocppj.result_frame(call.message_id, {"status": "Accepted"}))
    status, body = await task
    assert status == 200 and body["response"] == {"status": "Accepted"}


async def test_queued_commands_arrive_in_order_one_at_a_time(
    api: Api, station: str, raw_connected: RawStation
):
    ids = []
    for action, payload in [
        ("ClearCache", {}),
        ("Reset", {"type": "OnIdle"}),
        ("UnlockConnector", {"evseId": 1, "connectorId": 1}),
    ]:
        status, body = await command(api, station, action, payload, "?wait=false")
        assert status == 202 and body["status"] == "pending"
        ids.append(body["commandId"])
    answers = {
        "ClearCache": {"status": "Accepted"},
        "Reset": {"status": "Scheduled"},
        "UnlockConnector": {"status": "Unlocked"},
    }
    seen = []
    for _ in ids:
        call = await raw_connected.receive()
        assert isinstance(call, Call)
        seen.append(call.action)
        with pytest.raises(TimeoutError):  # nothing else is sent while this one is open
            await raw_connected.receive(timeout=0.3)
        await raw_connected.send(ocppj.result_frame(call.message_id, answers[call.action]))
    assert seen == ["ClearCache", "Reset", "UnlockConnector"]
    for command_id in ids:
        assert (await completed(api, command_id))["status"] == "answered"


async def test_station_on_another_gateway_process_is_reached(
    cluster: Cluster, api: Api, station: str
):
    name, url = await cluster.start_gateway()
    try:
        async with sim_station(url, station, PASSWORD, cls=OperatedStation) as cp:
            await cp.boot()
            status, body = await command(api, station, "Reset", {"type": "Immediate"})
            assert status == 200 and body["response"] == {"status": "Accepted"}
            assert cp.received == [("Reset", {"type": "Immediate"})]
    finally:
        cluster.kill(name)


# --- B02: Pending boot -------------------------------------------------------------------


async def test_pending_station_is_configured_then_accepted(
    cluster: Cluster, api: Api, station: str, db: AsyncDatabase[Any]
):
    await api.register(station, bootPolicy="Pending")
    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
        assert (await cp.boot()).status == "Pending"
        status, _ = await command(
            api,
            station,
            "GetVariables",
            {
                "getVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ]
            },
        )
        assert status == 200
        status, body = await command(
            api, station, "TriggerMessage", {"requestedMessage": "StatusNotification"}
        )
        assert status == 200
        await completed(api, body["commandId"])
        await asyncio.sleep(0.5)  # the triggered StatusNotification is let through
        stored = await db[names.CONNECTORS].find_one({"station": station})
        assert stored is not None and stored["status"] == "Available"
        assert await cp.heartbeat() is None  # not triggered: SecurityError (suppressed)
        status, body = await api.request("POST", f"/stations/{station}/accept")
        assert status == 200 and body["station"]["bootPolicy"] == "Accepted"

        async def accepted() -> Any:
            _, view = await api.request("GET", f"/stations/{station}")
            return view["boot"]["status"] == "Accepted" and view["boot"]["reason"] == "Triggered"

        assert await eventually(accepted)
        assert (await cp.heartbeat()).current_time


async def test_first_accepted_boot_requests_full_inventory_when_configured(
    cluster: Cluster, api: Api, station: str
):
    for worker in cluster.workers():
        cluster.kill(worker, signal.SIGTERM)
    flagged = cluster.start("workers", BOOT_REQUEST_FULL_INVENTORY="true")
    try:
        await cluster.wait_ready(workers=1)
        async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
            assert (await cp.boot()).status == "Accepted"

            async def reported() -> Any:
                _, reports = await api.request("GET", f"/stations/{station}/reports")
                done = [r for r in reports["reports"] if r.get("complete") and "kind" in r]
                return done[0] if done else None

            report = await eventually(reported)
            assert report and report["reportBase"] == "FullInventory"
            await cp.boot("PowerUp")  # not the first accepted boot: no second report
            await asyncio.sleep(0.5)
            assert [a for a, _ in cp.received] == ["GetBaseReport"]
    finally:
        cluster.kill(flagged, signal.SIGTERM)
        cluster.start("workers")
        cluster.start("workers")
        await cluster.wait_ready(workers=2)


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "abc", "100000"])
async def test_unreasonable_timeout_is_400(api: Api, station: str, timeout: str):
    status, body = await command(api, station, "ClearCache", {}, f"?timeout={timeout}")
    assert status == 400 and "timeout" in body["error"]
