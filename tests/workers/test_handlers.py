"""What each handler stores and answers, observed through the real path and the real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import orjson
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocppj import CallError, CallResult
from store import station_state
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.events import event_queue
from tests.simulator import BOOT, RawStation, now, raw_station
from tests.workers.fixtures import REQUESTS


@pytest.fixture
async def booted(cluster: Cluster, station: str) -> AsyncIterator[RawStation]:
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        answer = await raw.call("BootNotification", BOOT)
        assert isinstance(answer, CallResult) and answer.payload["status"] == "Accepted"
        yield raw


async def result(
    raw: RawStation, action: str, payload: dict[str, Any], message_id: str | None = None
) -> dict[str, Any]:
    answer = await raw.call(action, payload, message_id)
    assert isinstance(answer, CallResult), answer
    return answer.payload


class EventTap:
    """A private queue bound to every domain event, as another service would bind."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.messages = queue.iterator()

    async def next_for(self, station: str, event: str, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.messages.__anext__()
                await message.ack()
                body: dict[str, Any] = orjson.loads(message.body)
                if body.get("station") == station and body["event"] == event:  # site.* have none
                    assert message.routing_key == names.event_key(event, station)
                    return body


@pytest.fixture
async def events(cluster: Cluster) -> AsyncIterator[EventTap]:
    async with event_queue(cluster.amqp_url, "#") as queue:
        yield EventTap(queue)


# --- B: provisioning ---------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["Pending", "Rejected"])
async def test_boot_policy_per_station_and_the_boot_gate(
    cluster: Cluster, api: Api, station: str, policy: str
):
    await api.register(station, bootPolicy=policy)
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        boot = await result(raw, "BootNotification", BOOT)
        assert (boot["status"], boot["interval"]) == (policy, 60)
        refused = await raw.call("Heartbeat", {})
        assert isinstance(refused, CallError) and refused.code == "SecurityError"
        report = await raw.call("NotifyReport", REQUESTS["NotifyReport"])
        assert isinstance(report, CallError if policy == "Rejected" else CallResult)
        await api.register(station, bootPolicy=None)
        assert (await result(raw, "BootNotification", BOOT))["status"] == "Accepted"
        assert "currentTime" in await result(raw, "Heartbeat", {})


async def test_a_reboot_into_pending_closes_the_gate_on_the_same_connection(
    cluster: Cluster, api: Api, station: str
):
    """The gateway carries the boot status of the last answer to the next CALL
    (``Inbound.boot``) so workers skip the store while it is Accepted; a later Pending
    answer on the same connection must take that back at once."""
    await api.register(station)
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        assert (await result(raw, "BootNotification", BOOT))["status"] == "Accepted"
        assert "currentTime" in await result(raw, "Heartbeat", {})
        assert "currentTime" in await result(raw, "Heartbeat", {})
        await api.register(station, bootPolicy="Pending")
        assert (await result(raw, "BootNotification", BOOT))["status"] == "Pending"
        refused = await raw.call("Heartbeat", {})
        assert isinstance(refused, CallError) and refused.code == "SecurityError"


async def test_a_new_connection_reads_the_boot_status_again(
    cluster: Cluster, station: str, db: AsyncDatabase[Any]
):
    """What one connection was told is not carried to the next: a station whose stored
    boot was Rejected meanwhile (by a boot through another gateway, written here directly)
    is refused when it reconnects without booting."""
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        assert (await result(raw, "BootNotification", BOOT))["status"] == "Accepted"
        assert "currentTime" in await result(raw, "Heartbeat", {})
    await station_state.put(db, station, names.STATE_BOOT, {"status": names.BOOT_REJECTED})
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        refused = await raw.call("Heartbeat", {})
        assert isinstance(refused, CallError) and refused.code == "SecurityError"


async def test_boot_stores_hardware_and_publishes_event(
    booted: RawStation, api: Api, station: str, events: EventTap
):
    await result(booted, "BootNotification", {**BOOT, "reason": "FirmwareUpdate"})
    event = await events.next_for(station, names.EVENT_STATION_BOOTED)
    assert event["status"] == "Accepted" and event["reason"] == "FirmwareUpdate"
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["boot"]["reason"] == "FirmwareUpdate"
    assert view["boot"]["chargingStation"] == BOOT["chargingStation"]


async def test_notify_report_parts_build_the_device_model(
    booted: RawStation, station: str, db: AsyncDatabase[Any], api: Api
):
    part = REQUESTS["NotifyReport"]
    second = {
        **part,
        "seqNo": 1,
        "reportData": [
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variableAttribute": [{"type": "Actual", "value": "22000"}],
            }
        ],
    }
    await result(booted, "NotifyReport", {**part, "tbc": True})
    _, reports = await api.request("GET", f"/stations/{station}/reports")
    assert reports["reports"] == [{"requestId": 8, "seqNos": [0], "complete": False}]
    await result(booted, "NotifyReport", second)
    _, reports = await api.request("GET", f"/stations/{station}/reports")
    assert reports["reports"] == [
        {"requestId": 8, "seqNos": [0, 1], "complete": True, "lastSeqNo": 1}
    ]
    model = {
        (d["component"]["name"], d["variable"]["name"]): d["attributes"][0]["value"]
        async for d in db[names.DEVICE_MODEL].find({"station": station})
    }
    assert model == {("OCPPCommCtrlr", "HeartbeatInterval"): "300", ("EVSE", "Power"): "22000"}


# --- C: authorization ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"status": "Accepted"}, "Accepted"),
        ({"status": "Blocked"}, "Blocked"),
        ({"status": "Invalid"}, "Invalid"),
        ({"status": "Expired"}, "Expired"),
        ({"status": "Accepted", "expiresAt": "2020-01-01T00:00:00Z"}, "Expired"),
        (None, "Unknown"),
    ],
)
async def test_authorize_answers_the_stored_status(
    booted: RawStation, api: Api, station: str, stored: dict[str, Any] | None, expected: str
):
    token = f"TOK-{station[-6:]}-{expected}"
    if stored is not None:
        await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443", **stored})
    answer = await result(booted, "Authorize", {"idToken": {"idToken": token, "type": "ISO14443"}})
    assert answer["idTokenInfo"]["status"] == expected


@pytest.mark.parametrize(
    "kind", ["ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "eMAID", "Central"]
)
async def test_every_id_token_type_is_checked_against_the_store(
    booted: RawStation, api: Api, station: str, kind: str
):
    token = f"{kind}-{station[-6:]}"
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await api.request(
        "PUT",
        f"/id-tokens/{token}",
        {"type": kind, "expiresAt": later, "groupIdToken": {"idToken": "FLEET", "type": "Central"}},
    )
    answer = await result(booted, "Authorize", {"idToken": {"idToken": token, "type": kind}})
    assert answer["idTokenInfo"]["status"] == "Accepted"
    assert answer["idTokenInfo"]["groupIdToken"] == {"idToken": "FLEET", "type": "Central"}
    assert "cacheExpiryDateTime" in answer["idTokenInfo"]
    wrong_type = "KeyCode" if kind != "KeyCode" else "Local"
    other = await result(booted, "Authorize", {"idToken": {"idToken": token, "type": wrong_type}})
    assert other["idTokenInfo"]["status"] == "Unknown"


async def test_no_authorization_token_is_accepted(booted: RawStation):
    answer = await result(
        booted, "Authorize", {"idToken": {"idToken": "", "type": "NoAuthorization"}}
    )
    assert answer["idTokenInfo"] == {"status": "Accepted"}


# --- E: transactions -----------------------------------------------------------------


def tx_event(event_type: str, seq_no: int, wh: float, **extra: Any) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "timestamp": now(),
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "T-IDEM", **extra},
        "evse": {"id": 2, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": now(),
                "sampledValue": [{"value": wh / 1000, "unitOfMeasure": {"unit": "kWh"}}],
            }
        ],
    }


async def test_resent_transaction_event_is_answered_but_counted_once(
    booted: RawStation, api: Api, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    await result(booted, "TransactionEvent", tx_event("Started", 0, 1000))
    await events.next_for(station, names.EVENT_TRANSACTION_STARTED)
    await result(booted, "TransactionEvent", tx_event("Updated", 1, 3000))
    # The station lost the answer and resends seqNo 1 (a new message id, same event).
    await result(booted, "TransactionEvent", tx_event("Updated", 1, 3000))
    await result(
        booted, "TransactionEvent", tx_event("Ended", 2, 5000, stoppedReason="EVDisconnected")
    )
    _, tx = await api.request("GET", f"/transactions/T-IDEM?stationId={station}")
    assert [e["seqNo"] for e in tx["events"]] == [0, 1, 2]
    assert tx["energyWh"] == 4000 and tx["state"] == "ended"
    assert tx["stoppedReason"] == "EVDisconnected" and tx["evseId"] == 2
    assert (
        await db[names.METER_VALUES].count_documents(
            {"station": station, "transactionId": "T-IDEM"}
        )
        == 3
    )
    ended = await events.next_for(station, names.EVENT_TRANSACTION_ENDED)
    assert ended["transactionId"] == "T-IDEM" and ended["seqNo"] == 2


async def test_transaction_event_with_token_gets_id_token_info(booted: RawStation, api: Api):
    await api.request("PUT", "/id-tokens/BLOCKED-1", {"type": "ISO14443", "status": "Blocked"})
    answer = await result(
        booted,
        "TransactionEvent",
        {**tx_event("Started", 0, 0), "idToken": {"idToken": "BLOCKED-1", "type": "ISO14443"}},
    )
    assert answer["idTokenInfo"]["status"] == "Blocked"


async def test_same_transaction_id_on_two_stations_needs_station_to_disambiguate(
    cluster: Cluster, api: Api, station: str, booted: RawStation
):
    await result(booted, "TransactionEvent", tx_event("Started", 0, 0))
    other = station + "-B"
    await api.register(other, PASSWORD)
    async with raw_station(cluster.ws_url, other, PASSWORD) as raw:
        await result(raw, "BootNotification", BOOT)
        await result(raw, "TransactionEvent", tx_event("Started", 0, 0))
    status, body = await api.request("GET", "/transactions/T-IDEM")
    assert status == 409 and station in body["detail"] and other in body["detail"]


# --- G: availability ------------------------------------------------------------------


async def test_status_notification_keeps_latest_per_connector(
    booted: RawStation, api: Api, station: str, events: EventTap
):
    later = now()
    await result(
        booted,
        "StatusNotification",
        {"timestamp": later, "connectorStatus": "Faulted", "evseId": 1, "connectorId": 1},
    )
    await result(
        booted,
        "StatusNotification",
        {
            "timestamp": "2020-01-01T00:00:00Z",
            "connectorStatus": "Available",
            "evseId": 1,
            "connectorId": 1,
        },
    )
    await result(
        booted,
        "StatusNotification",
        {"timestamp": later, "connectorStatus": "Occupied", "evseId": 2, "connectorId": 1},
    )
    _, view = await api.request("GET", f"/stations/{station}")
    assert [(c["evseId"], c["status"]) for c in view["connectors"]] == [
        (1, "Faulted"),
        (2, "Occupied"),
    ]
    event = await events.next_for(station, names.EVENT_STATUS_CHANGED)
    assert (event["evseId"], event["status"]) == (1, "Faulted")


# --- A, J, L, N, P: the remaining station messages are stored -------------------------


async def test_security_event_is_stored_and_published(
    booted: RawStation, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    await result(booted, "SecurityEventNotification", REQUESTS["SecurityEventNotification"])
    event = await events.next_for(station, names.EVENT_SECURITY)
    assert event["type"] == "FirmwareUpdated"
    stored = await db[names.SECURITY_EVENTS].find_one({"station": station})
    assert stored is not None and stored["techInfo"] == "v1.2"


async def test_firmware_and_log_status_show_on_the_station(
    booted: RawStation, api: Api, station: str
):
    await result(booted, "FirmwareStatusNotification", REQUESTS["FirmwareStatusNotification"])
    await result(booted, "LogStatusNotification", REQUESTS["LogStatusNotification"])
    _, view = await api.request("GET", f"/stations/{station}")
    assert (view["firmwareStatus"]["status"], view["firmwareStatus"]["requestId"]) == (
        "Downloading",
        5,
    )
    assert (view["logStatus"]["status"], view["logStatus"]["requestId"]) == ("Uploading", 6)


async def test_meter_values_notify_event_and_customer_information_are_stored(
    booted: RawStation, station: str, db: AsyncDatabase[Any]
):
    for action in ("MeterValues", "NotifyEvent", "NotifyCustomerInformation"):
        await result(booted, action, REQUESTS[action])
    meter = await db[names.METER_VALUES].find_one({"station": station, "source": "MeterValues"})
    assert meter is not None and meter["sampledValue"][0]["measurand"] == "Voltage"
    event = await db[names.STATION_EVENTS].find_one({"station": station})
    assert event is not None and event["actualValue"] == "Faulted"
    info = await db[names.CUSTOMER_INFORMATION].find_one({"station": station})
    assert info is not None and info["data"] == "name=Jane"


async def test_data_transfer_without_vendor_handler_is_unknown_vendor(
    booted: RawStation, station: str, db: AsyncDatabase[Any]
):
    answer = await result(booted, "DataTransfer", REQUESTS["DataTransfer"])
    assert answer == {"status": "UnknownVendorId"}
    stored = await db[names.DATA_TRANSFERS].find_one({"station": station})
    assert stored is not None and stored["request"]["data"] == {"a": 1}


# --- K: smart charging, what the station reports is stored once per message ----------


async def twice(raw: RawStation, action: str, payload: dict[str, Any], message_id: str) -> Any:
    """Send one message, then its redelivery under the same message id: same answer."""
    first = await result(raw, action, payload, message_id)
    assert await result(raw, action, payload, message_id) == first
    return first


async def test_charging_limit_is_kept_per_evse_and_source_then_cleared(
    booted: RawStation, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    await twice(booted, "NotifyChargingLimit", REQUESTS["NotifyChargingLimit"], "lim-1")
    event = await events.next_for(station, names.EVENT_CHARGING_LIMIT)
    assert (event["evseId"], event["chargingLimitSource"], event["active"]) == (1, "EMS", True)
    stored = await db[names.CHARGING_LIMITS].find({"station": station}).to_list()
    assert [(d["_id"], d["active"], d["isGridCritical"]) for d in stored] == [
        (f"{station}/1/EMS", True, True)
    ]
    assert stored[0]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 16.0

    await twice(booted, "ClearedChargingLimit", REQUESTS["ClearedChargingLimit"], "clr-1")
    event = await events.next_for(station, names.EVENT_CHARGING_LIMIT)
    if event["active"]:  # the redelivered NotifyChargingLimit published its event again
        event = await events.next_for(station, names.EVENT_CHARGING_LIMIT)
    assert (event["evseId"], event["active"]) == (1, False)
    stored = await db[names.CHARGING_LIMITS].find({"station": station}).to_list()
    assert [(d["_id"], d["active"], d["clearedBy"]) for d in stored] == [
        (f"{station}/1/EMS", False, "clr-1")
    ]


async def test_ev_charging_needs_are_accepted_and_kept_with_the_ac_max_current(
    booted: RawStation, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    request = REQUESTS["NotifyEVChargingNeeds"]
    assert await twice(booted, "NotifyEVChargingNeeds", request, "needs-1") == {
        "status": "Accepted"
    }
    event = await events.next_for(station, names.EVENT_CHARGING_NEEDS)
    assert (event["evseId"], event["maxCurrent"]) == (1, 24)
    stored = await db[names.EV_CHARGING_NEEDS].find({"station": station}).to_list()
    assert len(stored) == 1
    assert stored[0]["chargingNeeds"] == request["chargingNeeds"]
    assert stored[0]["maxCurrent"] == 24
    assert stored[0]["departureAt"].isoformat() == "2030-01-01T18:00:00+00:00"


async def test_dc_charging_needs_have_no_max_current(
    booted: RawStation, station: str, db: AsyncDatabase[Any]
):
    dc = {
        "evseId": 2,
        "chargingNeeds": {
            "requestedEnergyTransfer": "DC",
            "dcChargingParameters": {
                "evMaxCurrent": 200,
                "evMaxVoltage": 800,
                "evMaxPower": 150000,
            },
        },
    }
    assert await result(booted, "NotifyEVChargingNeeds", dc) == {"status": "Accepted"}
    stored = await db[names.EV_CHARGING_NEEDS].find_one({"_id": f"{station}/2"})
    assert stored is not None and stored["maxCurrent"] is None
    assert stored["chargingNeeds"]["dcChargingParameters"]["evMaxPower"] == 150000


async def test_ev_charging_schedule_is_accepted_and_kept_per_evse(
    booted: RawStation, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    request = REQUESTS["NotifyEVChargingSchedule"]
    assert await twice(booted, "NotifyEVChargingSchedule", request, "sched-1") == {
        "status": "Accepted"
    }
    event = await events.next_for(station, names.EVENT_CHARGING_SCHEDULE)
    assert event["chargingSchedule"] == request["chargingSchedule"]
    stored = await db[names.EV_CHARGING_SCHEDULES].find({"station": station}).to_list()
    assert [(d["_id"], d["chargingSchedule"]) for d in stored] == [
        (f"{station}/1", request["chargingSchedule"])
    ]
    assert stored[0]["timeBase"].tzinfo is not None


async def test_charging_profile_report_parts_are_stored_once_each(
    booted: RawStation, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    part = REQUESTS["ReportChargingProfiles"]
    await twice(booted, "ReportChargingProfiles", part, "rep-1")
    event = await events.next_for(station, names.EVENT_CHARGING_PROFILES)
    assert (event["requestId"], event["tbc"], event["profileIds"]) == (9, True, [3])
    await result(booted, "ReportChargingProfiles", {**part, "tbc": False}, "rep-2")
    stored = (
        await db[names.CHARGING_PROFILE_REPORTS]
        .find({"station": station, "requestId": 9})
        .sort("tbc", -1)
        .to_list()
    )
    assert [(d["tbc"], d["chargingProfile"][0]["id"]) for d in stored] == [(True, 3), (False, 3)]
