"""An OCPP 1.6J charge point (the ``ocpp`` library's v16 ChargePoint) on a gateway that
speaks 1.6: it boots, reports its connector, is authorized, charges with meter values and
stops, and the API shows what a 2.0.1 station's charge shows, with ``ocppVersion`` 1.6.
Its framing errors come back in 1.6's words."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography import x509
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from websockets.exceptions import InvalidStatus

from shared import names, ocppj, pki
from shared.ocppj import CallError, CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import now, open_ws, running
from tests.test_end_to_end import eventually


@pytest.fixture
def gateway16(cluster: Cluster) -> str:
    """The cluster's own gateway: the default OCPP_VERSIONS accepts 1.6."""
    return cluster.ws_url


class Station16(ChargePoint):
    """Answers the 1.6 commands the tests send, and notes them."""

    received: list[tuple[str, dict[str, Any]]]
    configuration: dict[str, tuple[bool, str]]  # key -> (readonly, value)
    roots: dict[str, list[str]]

    @on("Reset")
    def on_reset(self, type: str) -> Any:
        self.received.append(("Reset", {"type": type}))
        return call_result.Reset(status="Accepted")

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str) -> Any:
        self.received.append(("ChangeConfiguration", {"key": key, "value": value}))
        if self.configuration.get(key, (False, ""))[0]:
            return call_result.ChangeConfiguration(status="Rejected")
        self.configuration[key] = (False, value)
        return call_result.ChangeConfiguration(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(self, key: list[str] | None = None) -> Any:
        asked = key or list(self.configuration)
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": k, "readonly": self.configuration[k][0], "value": self.configuration[k][1]}
                for k in asked
                if k in self.configuration
            ],
            unknown_key=[k for k in asked if k not in self.configuration] or None,
        )

    @on("SendLocalList")
    def on_send_local_list(self, **kw: Any) -> Any:
        self.received.append(("SendLocalList", kw))
        return call_result.SendLocalList(status="Accepted")

    @on("InstallCertificate")
    def on_install_certificate(self, certificate_type: str, certificate: str) -> Any:
        self.received.append(("InstallCertificate", {"certificateType": certificate_type}))
        self.roots.setdefault(certificate_type, []).append(certificate)
        return call_result.InstallCertificate(status="Accepted")

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(self, certificate_type: str) -> Any:
        self.received.append(("GetInstalledCertificateIds", {"certificateType": certificate_type}))
        held = [hash_data(pem) for pem in self.roots.get(certificate_type, [])]
        if not held:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(status="Accepted", certificate_hash_data=held)


def hash_data(pem: str) -> dict[str, str]:
    root = x509.load_pem_x509_certificate(pem.encode())
    return pki.hash_data(root, root)


async def booted16(api: Api, cp: Station16, station: str) -> None:
    """Boot the charge point (Accepted) and wait until the API shows its 1.6 connection,
    so commands sent next take the 1.6 path."""
    boot = await cp.call(call.BootNotification(charge_point_vendor="V", charge_point_model="M"))
    assert boot.status == "Accepted"

    async def connected16() -> bool:
        _, view = await api.request("GET", f"/stations/{station}")
        return (view.get("connection") or {}).get("ocppVersion") == names.OCPP16

    assert await eventually(connected16)


@contextlib.asynccontextmanager
async def station16(url: str, station: str) -> AsyncIterator[Station16]:
    ws = await open_ws(url, station, PASSWORD, subprotocols=[names.OCPP16])
    assert ws.subprotocol == names.OCPP16
    cp = Station16(station, ws, response_timeout=30)
    cp.received, cp.roots = [], {}
    cp.configuration = {
        "HeartbeatInterval": (False, "300"),
        "NumberOfConnectors": (True, "2"),
        "VendorFanSpeed": (False, "auto"),
    }
    async with running(cp):
        yield cp


def reading(wh: float, at: str, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": at,
        "sampled_value": [{"value": str(wh), "context": context, "unit": "Wh"}],
    }


async def test_a_1_6_charge_point_boots_charges_and_shows_as_any_transaction(
    api: Api, gateway16: str, station: str
):
    status, _ = await api.request("PUT", "/id-tokens/TAG16-1", {"type": "ISO14443"})
    assert status in (200, 201)
    async with station16(gateway16, station) as cp:
        boot = await cp.call(
            call.BootNotification(charge_point_vendor="Vendor16", charge_point_model="Model16")
        )
        assert boot.status == "Accepted" and boot.interval > 0
        assert (await cp.call(call.Heartbeat())).current_time
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        )
        auth = await cp.call(call.Authorize(id_tag="TAG16-1"))
        assert auth.id_tag_info["status"] == "Accepted"
        unknown = await cp.call(call.Authorize(id_tag="NOBODY-16"))
        assert unknown.id_tag_info["status"] == "Invalid"

        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG16-1", meter_start=1000, timestamp=now()
            )
        )
        assert start.id_tag_info["status"] == "Accepted"
        tx = start.transaction_id
        assert isinstance(tx, int) and tx >= 1
        await cp.call(
            call.MeterValues(connector_id=1, transaction_id=tx, meter_value=[reading(3500, now())])
        )
        stop = await cp.call(
            call.StopTransaction(
                transaction_id=tx,
                meter_stop=6000,
                timestamp=now(),
                id_tag="TAG16-1",
                reason="Local",
            )
        )
        assert stop.id_tag_info["status"] == "Accepted"
        again = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG16-1", meter_start=6000, timestamp=now()
            )
        )
        assert again.transaction_id == tx + 1

    async def ended() -> Any:
        status, body = await api.request("GET", f"/transactions/{tx}?stationId={station}")
        return body if status == 200 and body.get("state") == "ended" else None

    shown = await eventually(ended)
    assert shown, "the 1.6 transaction never showed as ended"
    assert shown["energyWh"] == 5000.0 and shown["evseId"] == 1
    assert shown["ocppVersion"] == names.OCPP16
    assert shown["idToken"] == {"idToken": "TAG16-1", "type": "ISO14443"}
    status, view = await api.request("GET", f"/stations/{station}")
    assert status == 200
    assert view["boot"]["chargingStation"] == {"vendorName": "Vendor16", "model": "Model16"}
    assert [(c["evseId"], c["status"]) for c in view["connectors"]] == [(1, "Available")]


async def test_a_1_6_charge_point_gets_its_errors_in_1_6_words(gateway16: str, station: str):
    ws = await open_ws(gateway16, station, PASSWORD, subprotocols=[names.OCPP16])

    async def call16(action: str, payload: dict[str, Any]) -> Any:
        await ws.send(ocppj.call_frame(uuid.uuid4().hex, action, payload))
        async with asyncio.timeout(15):
            return ocppj.parse(await ws.recv(), names.OCPP16)

    try:
        boot = await call16("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
        assert isinstance(boot, CallResult), boot
        missing = await call16("StartTransaction", {"connectorId": 1})
        assert isinstance(missing, CallError) and missing.code == "OccurenceConstraintViolation"
        extra = await call16("Heartbeat", {"surprise": 1})
        assert isinstance(extra, CallError) and extra.code == "FormationViolation"
        unknown = await call16("TransactionEvent", {})  # a 2.0.1 action, not 1.6's
        assert isinstance(unknown, CallError) and unknown.code == "NotImplemented"
    finally:
        await ws.close()


async def test_commands_go_to_a_1_6_charge_point_in_1_6(api: Api, gateway16: str, station: str):
    async with station16(gateway16, station) as cp:
        await booted16(api, cp, station)
        status, body = await api.request(
            "POST", f"/stations/{station}/ocpp/Reset", {"type": "Soft"}
        )
        assert status == 200 and body["response"] == {"status": "Accepted"}, body
        status, body = await api.request(
            "POST",
            f"/stations/{station}/ocpp/ChangeConfiguration",
            {"key": "HeartbeatInterval", "value": "120"},
        )
        assert status == 200, body
        assert cp.received == [
            ("Reset", {"type": "Soft"}),
            ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}),
        ]
        # 2.0.1 words and actions are refused before anything is sent.
        status, body = await api.request(
            "POST", f"/stations/{station}/ocpp/Reset", {"type": "Immediate"}
        )
        assert status == 422, body
        status, body = await api.request(
            "POST", f"/stations/{station}/ocpp/RequestStartTransaction", {}
        )
        assert status == 404 and body["detail"]["ocppVersion"] == names.OCPP16, body
        assert "RemoteStartTransaction" in body["detail"]["supported"]
        # A higher-level endpoint that sends a 2.0.1 command: 409, nothing reaches the station.
        message = {"message": {"format": "UTF8", "content": "Hello"}, "priority": "NormalCycle"}
        status, body = await api.request("POST", f"/stations/{station}/display-messages", message)
        assert status == 409 and body["detail"]["status"] == "other_version", body
        assert len(cp.received) == 2


async def test_a_1_6_charge_point_configuration_shows_in_its_device_model(
    api: Api, gateway16: str, station: str
):
    """GetConfiguration's keys land in the device model (a standard key as its 2.0.1
    variable, the others under the OCPP16 component), and ChangeConfiguration's accepted
    value replaces the stored one; a rejected one does not."""

    async def variables() -> dict[tuple[str, str], dict[str, Any]]:
        status, body = await api.request("GET", f"/stations/{station}/device-model")
        assert status == 200, body
        return {(v["component"]["name"], v["variable"]["name"]): v for v in body["variables"]}

    async def command(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        status, body = await api.request("POST", f"/stations/{station}/ocpp/{action}", payload)
        assert status == 200, body
        response: dict[str, Any] = body["response"]
        return response

    async with station16(gateway16, station) as cp:
        await booted16(api, cp, station)
        answer = await command("GetConfiguration", {"key": [*cp.configuration, "Nope"]})
        assert answer["unknownKey"] == ["Nope"]

        async def stored() -> bool:
            return len(await variables()) == 3

        assert await eventually(stored)
        found = await variables()
        heartbeat = found["OCPPCommCtrlr", "HeartbeatInterval"]
        assert heartbeat["ocpp16Key"] == "HeartbeatInterval"
        assert heartbeat["attributes"] == [
            {"type": "Actual", "value": "300", "mutability": "ReadWrite"}
        ]
        assert found["OCPP16", "NumberOfConnectors"]["attributes"] == [
            {"type": "Actual", "value": "2", "mutability": "ReadOnly"}
        ]
        assert found["OCPP16", "VendorFanSpeed"]["attributes"][0]["value"] == "auto"

        assert await command("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"})
        assert (await command("ChangeConfiguration", {"key": "NumberOfConnectors", "value": "9"}))[
            "status"
        ] == "Rejected"

        async def changed() -> bool:
            attributes = (await variables())["OCPPCommCtrlr", "HeartbeatInterval"]["attributes"]
            return attributes[0]["value"] == "60"

        assert await eventually(changed)
        found = await variables()
        assert found["OCPPCommCtrlr", "HeartbeatInterval"]["attributes"] == [
            {"type": "Actual", "value": "60", "mutability": "ReadWrite"}
        ]
        assert found["OCPP16", "NumberOfConnectors"]["attributes"][0]["value"] == "2"

        # Changed at the charge point itself: asked again, its answer replaces the value
        # ChangeConfiguration taught.
        cp.configuration["HeartbeatInterval"] = (False, "90")
        await command("GetConfiguration", {"key": ["HeartbeatInterval"]})

        async def reread() -> bool:
            attributes = (await variables())["OCPPCommCtrlr", "HeartbeatInterval"]["attributes"]
            return attributes == [{"type": "Actual", "value": "90", "mutability": "ReadWrite"}]

        assert await eventually(reread)


async def test_a_1_6_transactionid_is_kept_per_message_not_per_reused_message_id(
    cluster: Cluster, api: Api, station: str
):
    """A StartTransaction sent again (no answer came) gets the same transactionId; one under
    a message id the charge point reuses after a reboot (many count from 1 again) does not."""
    await api.request("PUT", "/id-tokens/TAG16-REUSE", {"type": "ISO14443"})
    boot = {"chargePointVendor": "V16", "chargePointModel": "M16"}

    def start(timestamp: str) -> dict[str, Any]:
        return {"connectorId": 1, "idTag": "TAG16-REUSE", "meterStart": 0, "timestamp": timestamp}

    async def started(ws: Any, payload: dict[str, Any]) -> int:
        await ws.send(ocppj.call_frame("1", "StartTransaction", payload))
        answer = ocppj.parse(await ws.recv(), names.OCPP16)
        assert isinstance(answer, CallResult), answer
        return int(answer.payload["transactionId"])

    first = start("2026-12-03T10:00:00Z")
    for timestamp, resends in (("2026-12-03T10:00:00Z", True), ("2026-12-03T11:00:00Z", False)):
        ws = await open_ws(cluster.ws_url, station, PASSWORD, subprotocols=[names.OCPP16])
        try:
            await ws.send(ocppj.call_frame("0", "BootNotification", boot))
            await ws.recv()
            if resends:
                number = await started(ws, first)
                assert await started(ws, first) == number  # the same message again
            else:
                assert await started(ws, start(timestamp)) > number  # a new one, same id
        finally:
            await ws.close()


async def test_the_high_level_security_endpoints_reach_a_1_6_charge_point_in_1_6(
    api: Api, gateway16: str, station: str
):
    """Password rotation and root certificates through their own endpoints (made as 2.0.1
    SetVariables, InstallCertificate, GetInstalledCertificateIds): the charge point gets the
    security whitepaper's 1.6 messages, and the API answers as for a 2.0.1 station."""
    new_password = "Rotated-16_pass:0123"
    root = pki.new_ca("CSMS Root 16")
    async with station16(gateway16, station) as cp:
        await booted16(api, cp, station)
        status, body = await api.request(
            "POST", f"/stations/{station}/password", {"password": new_password}
        )
        assert status == 200 and body["status"] == "rotated", body
        # 1.6 security whitepaper: the password goes hex-encoded in AuthorizationKey.
        assert cp.received[-1] == (
            "ChangeConfiguration",
            {"key": "AuthorizationKey", "value": new_password.encode().hex()},
        )

        status, body = await api.request(
            "POST",
            f"/stations/{station}/certificates",
            {"certificateType": "CSMSRootCertificate", "certificate": root.pem},
        )
        assert status == 201 and body["status"] == "installed", body
        assert body["answer"] == "Accepted"
        assert cp.received[-1] == (
            "InstallCertificate",
            {"certificateType": "CentralSystemRootCertificate"},
        )
        status, body = await api.request("POST", f"/stations/{station}/certificates/refresh")
        assert status == 200 and body["answer"] == "Accepted", body
        assert cp.received[-2:] == [
            ("GetInstalledCertificateIds", {"certificateType": "CentralSystemRootCertificate"}),
            ("GetInstalledCertificateIds", {"certificateType": "ManufacturerRootCertificate"}),
        ]
        _, listed = await api.request("GET", f"/stations/{station}/certificates")
        assert [
            (c["certificateType"], c["certificateHashData"], c["installedBy"])
            for c in listed["installed"]["certificateHashDataChain"]
        ] == [
            (
                "CSMSRootCertificate",
                hash_data(root.pem),
                listed["certificates"][0]["commandId"],
            )
        ]
        # What 1.6 cannot hold is refused before anything is sent.
        status, body = await api.request(
            "POST",
            f"/stations/{station}/certificates",
            {"certificateType": "V2GRootCertificate", "certificate": root.pem},
        )
        assert status == 409 and body["detail"]["status"] == "other_version", body
        assert "1.6 holds no V2GRootCertificate" in body["detail"]["description"], body
        assert len(cp.received) == 4

    # The charge point logs in with the password it was given (decoded), the old one fails.
    ws = await open_ws(gateway16, station, new_password, subprotocols=[names.OCPP16])
    assert ws.subprotocol == names.OCPP16
    await ws.close()
    with pytest.raises(InvalidStatus) as refused:
        await open_ws(gateway16, station, PASSWORD, subprotocols=[names.OCPP16])
    assert refused.value.response.status_code == 401


async def test_a_local_list_reaches_a_1_6_charge_point_without_the_tokens_1_6_cannot_carry(
    api: Api, gateway16: str, station: str
):
    """An idToken longer than 1.6's 20-character idTag is left out and reported; the rest
    of the list is sent, instead of the whole update failing."""
    short, long = f"S16-{uuid.uuid4().hex[:8]}", f"L16-{uuid.uuid4().hex}"[:30]
    for token in (short, long):
        status, body = await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443"})
        assert status == 201, body
    async with station16(gateway16, station) as cp:
        boot = await cp.call(call.BootNotification(charge_point_vendor="V", charge_point_model="M"))
        assert boot.status == "Accepted"
        list_id = f"LL16-{station}"
        status, body = await api.request(
            "PUT", f"/local-lists/{list_id}", {"idTokens": [short, long], "stations": [station]}
        )
        assert status == 201, body

        async def synced() -> Any:
            _, view = await api.request("GET", f"/local-lists/{list_id}")
            state = view["stations"][station]
            return state if state["status"] != "Updating" else None

        state = await eventually(synced)
        assert state and state["lastError"] == f"left out: {long}/ISO14443", state
        sent = [p for a, p in cp.received if a == "SendLocalList"]
        assert [[e["id_tag"] for e in p["local_authorization_list"]] for p in sent] == [[short]]
