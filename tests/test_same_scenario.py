"""Issue #18, item 5: the same scenario passes for an OCPP 1.6 and a 2.0.1 station side by
side on one site. One ``scenario`` function runs against both at once, each step through
the operator API the way an operator would (the high-level endpoint where there is one:
id tokens, local lists, reservations, sites, tariffs, transactions; the command endpoint in
the station's own version for remote start and stop and reset, which have no other); only
the station's side of each step (``Side``) is written per version. What the station
receives is checked in its own version's words.

A 1.6 station asked for what 1.6 cannot do (display messages, its charging profiles
reported, monitoring) gets nothing, and the API answers 409 ``other_version``. (Password
rotation and certificates, which the security whitepaper gives 1.6, are in
``test_ocpp16.py``.)"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

from shared import names
from shared.events import iso, utc_now
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import SimStation, now, open_ws, running, sim_station
from tests.site_station import Ledger
from tests.test_end_to_end import eventually

SITE_AMPS = 32.0
TOKEN_TYPE = "ISO15693"
"""The scenario's id tokens: not ISO14443, the type the CSMS gives a 1.6 idTag it does not
know, so the 1.6 side shows its idTag is found as the token the API created."""
ALL_WAIT = 20.0


@pytest.fixture(scope="module")
async def both(cluster: Cluster) -> AsyncIterator[str]:
    name, url = await cluster.start_gateway(OCPP_VERSIONS="ocpp2.0.1,ocpp1.6")
    yield url
    cluster.kill(name, signal.SIGTERM)


class Received:
    """Every command a station got, in its version's (camelCase) words, in order."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, Any]]] = []

    def note(self, action: str, kw: dict[str, Any]) -> None:
        self.commands.append((action, snake_to_camel_case(kw)))

    def last(self, action: str) -> dict[str, Any]:
        found = [p for a, p in self.commands if a == action]
        assert found, f"no {action} among {[a for a, _ in self.commands]}"
        return found[-1]

    def actions(self) -> list[str]:
        return [a for a, _ in self.commands]


class Station16(ChargePoint16):
    """A 1.6 charge point that accepts the CSMS's commands and notes them; it holds the
    TxProfile of its transaction in the site's ledger."""

    got: Received
    ledger: Ledger
    transaction: int | None = None

    @on("RemoteStartTransaction")
    def on_remote_start(self, **kw: Any) -> Any:
        self.got.note("RemoteStartTransaction", kw)
        return result16.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop(self, **kw: Any) -> Any:
        self.got.note("RemoteStopTransaction", kw)
        return result16.RemoteStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, **kw: Any) -> Any:
        self.got.note("Reset", kw)
        return result16.Reset(status="Accepted")

    @on("SendLocalList")
    def on_send_local_list(self, **kw: Any) -> Any:
        self.got.note("SendLocalList", kw)
        return result16.SendLocalList(status="Accepted")

    @on("ReserveNow")
    def on_reserve_now(self, **kw: Any) -> Any:
        self.got.note("ReserveNow", kw)
        return result16.ReserveNow(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict) -> Any:
        self.got.note("SetChargingProfile", {"connector_id": connector_id, **cs_charging_profiles})
        tx = cs_charging_profiles.get("transaction_id")
        if cs_charging_profiles["charging_profile_purpose"] != "TxProfile" or (
            tx is None or tx != self.transaction
        ):
            return result16.SetChargingProfile(status="Rejected")
        period = cs_charging_profiles["charging_schedule"]["charging_schedule_period"][0]
        self.ledger.set((self.id, str(tx)), float(period["limit"]))
        return result16.SetChargingProfile(status="Accepted")


class Station201(SimStation):
    """The same on 2.0.1."""

    got: Received
    ledger: Ledger
    transaction: str | None = None

    @on("RequestStartTransaction")
    def on_request_start(self, **kw: Any) -> Any:
        self.got.note("RequestStartTransaction", kw)
        return result201.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop(self, **kw: Any) -> Any:
        self.got.note("RequestStopTransaction", kw)
        return result201.RequestStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, **kw: Any) -> Any:
        self.got.note("Reset", kw)
        return result201.Reset(status="Accepted")

    @on("SendLocalList")
    def on_send_local_list(self, **kw: Any) -> Any:
        self.got.note("SendLocalList", kw)
        return result201.SendLocalList(status="Accepted")

    @on("ReserveNow")
    def on_reserve_now(self, **kw: Any) -> Any:
        self.got.note("ReserveNow", kw)
        return result201.ReserveNow(status="Accepted")

    @on("CostUpdated")
    def on_cost_updated(self, **kw: Any) -> Any:
        return result201.CostUpdated()

    @on("SetChargingProfile")
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict, **kw: Any) -> Any:
        self.got.note("SetChargingProfile", {"evse_id": evse_id, **charging_profile})
        tx = charging_profile.get("transaction_id")
        if tx is None or tx != self.transaction:
            return result201.SetChargingProfile(status="Rejected")
        period = charging_profile["charging_schedule"][0]["charging_schedule_period"][0]
        self.ledger.set((self.id, tx), float(period["limit"]))
        return result201.SetChargingProfile(status="Accepted")


def energy201(wh: float) -> list[dict[str, Any]]:
    sample = {
        "value": wh,
        "measurand": "Energy.Active.Import.Register",
        "unit_of_measure": {"unit": "Wh"},
    }
    return [{"timestamp": now(), "sampled_value": [sample]}]


def energy16(wh: float) -> list[dict[str, Any]]:
    sample = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return [{"timestamp": now(), "sampled_value": [sample]}]


class Side16:
    """The station's side of each step, in 1.6."""

    version = names.OCPP16

    def __init__(self, cp: Station16) -> None:
        self.cp, self.id = cp, cp.id

    async def boot(self) -> str:
        boot = await self.cp.call(
            call16.BootNotification(charge_point_vendor="V", charge_point_model="Same16")
        )
        await self.cp.call(
            call16.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        )
        return str(boot.status)

    async def authorize(self, token: str) -> str:
        answer = await self.cp.call(call16.Authorize(id_tag=token))
        return str(answer.id_tag_info["status"])

    def remote_start(self, token: str) -> tuple[str, dict[str, Any]]:
        return "RemoteStartTransaction", {"idTag": token, "connectorId": 1}

    def check_remote_start(self, token: str) -> None:
        assert self.cp.got.last("RemoteStartTransaction") == {"idTag": token, "connectorId": 1}

    async def start(self, token: str, reservation: int, wh: float) -> str:
        started = await self.cp.call(
            call16.StartTransaction(
                connector_id=1,
                id_tag=token,
                meter_start=int(wh),
                timestamp=now(),
                reservation_id=reservation,
            )
        )
        assert started.id_tag_info["status"] == "Accepted"
        assert isinstance(started.transaction_id, int), started  # the CSMS allocated it
        self.cp.transaction = started.transaction_id
        return str(started.transaction_id)

    async def meter(self, tx: str, wh: float) -> None:
        await self.cp.call(
            call16.MeterValues(connector_id=1, transaction_id=int(tx), meter_value=energy16(wh))
        )

    def remote_stop(self, tx: str) -> tuple[str, dict[str, Any]]:
        return "RemoteStopTransaction", {"transactionId": int(tx)}

    def check_remote_stop(self, tx: str) -> None:
        assert self.cp.got.last("RemoteStopTransaction") == {"transactionId": int(tx)}

    async def stop(self, tx: str, token: str, wh: float) -> None:
        self.cp.ledger.drop((self.id, tx))
        await self.cp.call(
            call16.StopTransaction(
                transaction_id=int(tx),
                meter_stop=int(wh),
                timestamp=now(),
                id_tag=token,
                reason="Remote",
            )
        )
        self.cp.transaction = None

    def reset(self) -> tuple[str, dict[str, Any]]:
        return "Reset", {"type": "Soft"}

    def check_local_list(self, token: str) -> None:
        sent = self.cp.got.last("SendLocalList")
        assert sent["updateType"] == "Full" and sent["listVersion"] >= 1, sent
        assert sent["localAuthorizationList"] == [
            {"idTag": token, "idTagInfo": {"status": "Accepted"}}
        ], sent

    def check_reservation(self, reservation: int, token: str, expires: str) -> None:
        sent = self.cp.got.last("ReserveNow")
        assert sent == {
            "connectorId": 1,
            "expiryDate": expires,
            "idTag": token,
            "reservationId": reservation,
        }, sent

    def check_profile(self, tx: str) -> float:
        sent = self.cp.got.last("SetChargingProfile")
        assert sent["connectorId"] == 1 and sent["chargingProfilePurpose"] == "TxProfile"
        assert sent["transactionId"] == int(tx), sent
        return float(sent["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"])


class Side201:
    """The station's side of each step, in 2.0.1."""

    version = names.OCPP201

    def __init__(self, cp: Station201) -> None:
        self.cp, self.id = cp, cp.id
        self.seq = 0
        self.remote_start_id = 0

    async def boot(self) -> str:
        boot = await self.cp.boot()
        await self.cp.status(1, 1, "Available")
        return str(boot.status)

    async def authorize(self, token: str) -> str:
        answer = await self.cp.authorize(token, TOKEN_TYPE)
        return str(answer.id_token_info["status"])

    def remote_start(self, token: str) -> tuple[str, dict[str, Any]]:
        self.remote_start_id = uuid.uuid4().int % 2**31
        return "RequestStartTransaction", {
            "idToken": {"idToken": token, "type": TOKEN_TYPE},
            "evseId": 1,
            "remoteStartId": self.remote_start_id,
        }

    def check_remote_start(self, token: str) -> None:
        assert self.cp.got.last("RequestStartTransaction") == {
            "idToken": {"idToken": token, "type": TOKEN_TYPE},
            "evseId": 1,
            "remoteStartId": self.remote_start_id,
        }

    async def start(self, token: str, reservation: int, wh: float) -> str:
        tx = "TX-" + uuid.uuid4().hex[:12]
        self.cp.transaction, self.seq = tx, 0
        answer = await self.cp.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=now(),
                trigger_reason="RemoteStart",
                seq_no=0,
                transaction_info={
                    "transaction_id": tx,
                    "remote_start_id": self.remote_start_id,
                    "charging_state": "Charging",
                },
                evse={"id": 1, "connector_id": 1},
                id_token={"id_token": token, "type": TOKEN_TYPE},
                reservation_id=reservation,
                meter_value=energy201(wh),
            )
        )
        assert answer.id_token_info["status"] == "Accepted"
        return tx

    async def meter(self, tx: str, wh: float) -> None:
        self.seq += 1
        await self.cp.transaction_event("Updated", tx, self.seq, "MeterValuePeriodic", energy_wh=wh)

    def remote_stop(self, tx: str) -> tuple[str, dict[str, Any]]:
        return "RequestStopTransaction", {"transactionId": tx}

    def check_remote_stop(self, tx: str) -> None:
        assert self.cp.got.last("RequestStopTransaction") == {"transactionId": tx}

    async def stop(self, tx: str, token: str, wh: float) -> None:
        self.cp.ledger.drop((self.id, tx))
        self.seq += 1
        await self.cp.call(
            call201.TransactionEvent(
                event_type="Ended",
                timestamp=now(),
                trigger_reason="RemoteStop",
                seq_no=self.seq,
                transaction_info={
                    "transaction_id": tx,
                    "stopped_reason": "Remote",
                    "charging_state": "Idle",
                },
                id_token={"id_token": token, "type": TOKEN_TYPE},
                meter_value=energy201(wh),
            )
        )
        self.cp.transaction = None

    def reset(self) -> tuple[str, dict[str, Any]]:
        return "Reset", {"type": "OnIdle"}

    def check_local_list(self, token: str) -> None:
        sent = self.cp.got.last("SendLocalList")
        assert sent["updateType"] == "Full" and sent["versionNumber"] >= 1, sent
        assert [
            (e["idToken"], e["idTokenInfo"]["status"]) for e in sent["localAuthorizationList"]
        ] == [({"idToken": token, "type": TOKEN_TYPE}, "Accepted")], sent

    def check_reservation(self, reservation: int, token: str, expires: str) -> None:
        sent = self.cp.got.last("ReserveNow")
        assert sent == {
            "id": reservation,
            "expiryDateTime": expires,
            "idToken": {"idToken": token, "type": TOKEN_TYPE},
            "evseId": 1,
        }, sent

    def check_profile(self, tx: str) -> float:
        sent = self.cp.got.last("SetChargingProfile")
        assert sent["evseId"] == 1 and sent["chargingProfilePurpose"] == "TxProfile"
        assert sent["transactionId"] == tx, sent
        return float(sent["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"])


Side = Side16 | Side201


async def until(check: Any, what: str, timeout: float = ALL_WAIT) -> Any:
    found = await eventually(check, timeout)
    assert found, what
    return found


async def scenario(api: Api, side: Side, ledger: Ledger, stations: int) -> dict[str, Any]:
    """Boot, authorize, local list, reservation, remote start, meter values, a share of the
    site, remote stop and reset for one station through the API; its transaction as the API
    shows it, in the terms both versions share."""
    station = side.id
    token = "SC-" + uuid.uuid4().hex[:8]
    status, body = await api.request("PUT", f"/id-tokens/{token}", {"type": TOKEN_TYPE})
    assert status == 201, body

    assert await side.boot() == "Accepted"

    async def connected() -> bool:
        _, view = await api.request("GET", f"/stations/{station}")
        return (view.get("connection") or {}).get("ocppVersion") == side.version

    await until(connected, f"{station} never showed connected in {side.version}")
    assert await side.authorize(token) == "Accepted"

    # The local list, through its endpoint: the station gets SendLocalList in its version.
    list_id = f"LL-{station}"
    status, body = await api.request(
        "PUT", f"/local-lists/{list_id}", {"idTokens": [token], "stations": [station]}
    )
    assert status == 201, body

    async def in_sync() -> Any:
        _, view = await api.request("GET", f"/local-lists/{list_id}")
        state = view["stations"][station]
        return state if state["status"] != "Updating" else None

    synced = await until(in_sync, f"{station}'s local list never left Updating")
    assert synced["status"] == "InSync", synced
    side.check_local_list(token)

    # A reservation, through its endpoint: the station gets ReserveNow in its version.
    expires = iso(utc_now() + timedelta(hours=1))
    status, reservation = await api.request(
        "POST",
        f"/stations/{station}/reservations",
        {"idToken": {"idToken": token, "type": TOKEN_TYPE}, "evseId": 1, "expiresAt": expires},
    )
    assert status == 201 and reservation["status"] == "Accepted", reservation
    side.check_reservation(reservation["id"], token, expires)

    # Remote start; the station then starts its transaction on the reservation.
    action, payload = side.remote_start(token)
    status, body = await api.request("POST", f"/stations/{station}/ocpp/{action}", payload)
    assert status == 200 and body["response"]["status"] == "Accepted", body
    remote_start = body["commandId"]
    side.check_remote_start(token)
    tx = await side.start(token, reservation["id"], 1000)
    await side.meter(tx, 3500)

    # Smart charging: the site's limit shared by every running transaction.
    share = SITE_AMPS / stations

    def shared() -> bool:
        return len(ledger.held) == stations and (station, tx) in ledger.held

    async with asyncio.timeout(ALL_WAIT):
        while not shared():
            ledger.changed.clear()
            await ledger.changed.wait()
    assert share - 1 <= side.check_profile(tx) <= share, ledger.held
    assert ledger.peak <= SITE_AMPS, ledger.held

    # Remote stop; the station ends its transaction.
    action, payload = side.remote_stop(tx)
    status, body = await api.request("POST", f"/stations/{station}/ocpp/{action}", payload)
    assert status == 200 and body["response"]["status"] == "Accepted", body
    side.check_remote_stop(tx)
    await side.stop(tx, token, 6000)

    action, payload = side.reset()
    status, body = await api.request("POST", f"/stations/{station}/ocpp/{action}", payload)
    assert status == 200 and body["response"] == {"status": "Accepted"}, body
    assert side.cp.got.last("Reset") == payload

    async def ended() -> Any:
        status, body = await api.request("GET", f"/transactions/{tx}?stationId={station}")
        return body if status == 200 and body["state"] == "ended" else None

    shown = await until(ended, f"{station}'s transaction {tx} never showed as ended")
    assert shown["ocppVersion"] == side.version
    status, command = await api.request("GET", f"/commands/{remote_start}")
    assert status == 200, command
    status, used = await api.request("GET", f"/stations/{station}/reservations/{reservation['id']}")
    assert status == 200 and (used["status"], used["transactionId"]) == ("Used", tx), used
    status, meter = await api.request("GET", f"/transactions/{tx}/meter-values?stationId={station}")
    assert status == 200, meter
    readings = sorted(
        s["value"] for m in meter["meterValues"] for s in m["sampledValue"]
    )  # fmt: skip
    return {
        "transactionId": tx,
        "idToken": shown["idToken"],
        "token": token,
        "evseId": shown["evseId"],
        "state": shown["state"],
        "energyWh": shown["energyWh"],
        "stoppedReason": shown["stoppedReason"],
        "reservationId": shown["reservationId"] == reservation["id"],
        "startedBy": (shown["commandId"] == remote_start, command["transactionId"] == tx),
        "cost": shown["cost"],
        "currency": shown["currency"],
        "readings": readings,
    }


@contextlib.asynccontextmanager
async def station16(url: str, station: str) -> AsyncIterator[Station16]:
    ws = await open_ws(url, station, PASSWORD, subprotocols=[names.OCPP16])
    assert ws.subprotocol == names.OCPP16
    cp = Station16(station, ws, response_timeout=30)
    async with running(cp):
        yield cp


async def test_the_same_scenario_passes_for_1_6_and_2_0_1_side_by_side_on_one_site(
    api: Api, both: str
):
    suffix = uuid.uuid4().hex[:6]
    ids = {names.OCPP16: f"CS-SAME-{suffix}-16", names.OCPP201: f"CS-SAME-{suffix}-201"}
    for station in ids.values():
        await api.register(station, PASSWORD)
    status, body = await api.request(
        "PUT",
        f"/sites/SITE-SAME-{suffix}",
        {"stations": list(ids.values()), "maxCurrent": SITE_AMPS},
    )
    assert status == 201, body
    tariff = {
        "currency": "EUR",
        "pricePerKWh": 0.30,
        "pricePerMinute": 0.0,
        "sessionFee": 1.00,
        "stations": list(ids.values()),
    }
    status, body = await api.request("PUT", f"/tariffs/TARIFF-SAME-{suffix}", tariff)
    assert status == 201, body
    ledger = Ledger()
    async with (
        station16(both, ids[names.OCPP16]) as cp16,
        sim_station(both, ids[names.OCPP201], PASSWORD, cls=Station201) as cp201,
    ):
        for cp in (cp16, cp201):
            cp.got, cp.ledger = Received(), ledger
        results = await asyncio.gather(
            scenario(api, Side16(cp16), ledger, 2), scenario(api, Side201(cp201), ledger, 2)
        )
    seen = dict(zip((names.OCPP16, names.OCPP201), results, strict=True))
    for version, result in seen.items():
        tx, token = result.pop("transactionId"), result.pop("token")
        assert result.pop("idToken") == {"idToken": token, "type": TOKEN_TYPE}, version
        if version == names.OCPP16:
            assert tx.isdigit(), tx
    assert seen[names.OCPP16] == seen[names.OCPP201]
    assert seen[names.OCPP16] == {
        "evseId": 1,
        "state": "ended",
        "energyWh": 5000.0,
        "stoppedReason": "Remote",
        "reservationId": True,
        "startedBy": (True, True),  # the remote start and its transaction name each other
        "cost": "2.50",
        "currency": "EUR",
        "readings": [1000.0, 3500.0, 6000.0],
    }


CANNOT_16 = [
    # (method, path under the station, body, the 2.0.1 command 1.6 has no word for)
    ("POST", "display-messages", {"message": {"format": "UTF8", "content": "Hi"}, "priority": "NormalCycle"}, "SetDisplayMessage"),  # noqa: E501
    ("PUT", "display-messages/5", {"message": {"format": "UTF8", "content": "Hi"}, "priority": "NormalCycle"}, "SetDisplayMessage"),  # noqa: E501
    ("DELETE", "display-messages/5", None, "ClearDisplayMessage"),
    ("POST", "display-messages/refresh", None, "GetDisplayMessages"),
    ("GET", "display-messages?refresh=true", None, "GetDisplayMessages"),
    ("POST", "charging-profiles/refresh", None, "GetChargingProfiles"),
    ("POST", "monitors/refresh", None, "GetMonitoringReport"),
    ("PUT", "monitors/level", {"severity": 3}, "SetMonitoringLevel"),
]  # fmt: skip


async def test_what_1_6_cannot_do_answers_409_and_sends_nothing(api: Api, both: str):
    station = f"CS-SAME-{uuid.uuid4().hex[:6]}-16"
    await api.register(station, PASSWORD)
    async with station16(both, station) as cp:
        cp.got, cp.ledger = Received(), Ledger()
        side = Side16(cp)
        assert await side.boot() == "Accepted"

        async def connected() -> bool:
            _, view = await api.request("GET", f"/stations/{station}")
            return (view.get("connection") or {}).get("ocppVersion") == names.OCPP16

        await until(connected, "the 1.6 station never showed connected")
        for method, path, body, action in CANNOT_16:
            status, answer = await api.request(method, f"/stations/{station}/{path}", body)
            assert status == 409, (path, answer)
            assert answer["detail"]["status"] == "other_version", (path, answer)
            assert "version the station speaks" in answer["error"], answer
            assert answer["detail"]["description"] == (
                f"The station speaks ocpp1.6: OCPP 1.6 has no {action}"
            ), answer
        # A reservation 1.6 cannot say (any connector of a type) is refused and not kept.
        status, answer = await api.request(
            "POST",
            f"/stations/{station}/reservations",
            {
                "idToken": {"idToken": "SC-ANY", "type": TOKEN_TYPE},
                "connectorType": "cType2",
                "expiresAt": iso(utc_now() + timedelta(hours=1)),
            },
        )
        assert status == 409 and answer["detail"]["status"] == "other_version", answer
        assert "by its id, not by its type" in answer["detail"]["description"], answer
        status, kept = await api.request("GET", f"/reservations?stationId={station}")
        assert status == 200 and kept["reservations"] == [], kept
        assert cp.got.commands == []
