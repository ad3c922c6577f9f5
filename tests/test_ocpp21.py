"""An OCPP 2.1 station (the ``ocpp`` library's v21 ChargePoint) on a gateway that speaks 2.1:
the actions 2.1 shares with 2.0.1 are answered by the same handlers, each request and
answer checked against the 2.1 schemas."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from ocpp.routing import on
from ocpp.v21 import ChargePoint, call
from ocpp.v21 import call_result as result21
from pymongo.asynchronous.database import AsyncDatabase

from shared import names, schemas
from shared.ocppj import CallResult
from store import station_state
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, RawStation, now, open_ws, raw_station, running
from tests.test_end_to_end import eventually
from tests.workers.fixtures_21 import REQUESTS_21, SEND_21


@pytest.fixture
def gateway21(cluster: Cluster) -> str:
    """The cluster's own gateway: the default OCPP_VERSIONS prefers 2.1."""
    return cluster.ws_url


@contextlib.asynccontextmanager
async def station21(url: str, station: str) -> AsyncIterator[ChargePoint]:
    ws = await open_ws(url, station, PASSWORD, subprotocols=[names.OCPP21, names.OCPP201])
    assert ws.subprotocol == names.OCPP21
    cp = ChargePoint(station, ws, response_timeout=30)
    async with running(cp):
        yield cp


async def boot21(cp: ChargePoint) -> None:
    boot = await cp.call(
        call.BootNotification(
            charging_station={"model": "M21", "vendor_name": "V21"}, reason="PowerUp"
        )
    )
    assert boot.status == "Accepted"


def energy(wh: float, context: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": now(),
            "sampled_value": [
                {
                    "value": wh,
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit_of_measure": {"unit": "Wh"},
                }
            ],
        }
    ]


async def test_a_2_1_station_boots_and_charges(api: Api, gateway21: str, station: str):
    await api.request("PUT", "/id-tokens/TAG21-1", {"type": "ISO14443"})
    async with station21(gateway21, station) as cp:
        await boot21(cp)
        await cp.call(
            call.StatusNotification(
                timestamp=now(), connector_status="Occupied", evse_id=1, connector_id=1
            )
        )
        auth = await cp.call(call.Authorize(id_token={"id_token": "TAG21-1", "type": "ISO14443"}))
        assert auth.id_token_info["status"] == "Accepted"
        for seq, (kind, wh, context) in enumerate(
            [("Started", 0, "Transaction.Begin"), ("Ended", 2100, "Transaction.End")]
        ):
            await cp.call(
                call.TransactionEvent(
                    event_type=kind,
                    timestamp=now(),
                    trigger_reason="Authorized" if kind == "Started" else "EVDeparted",
                    seq_no=seq,
                    transaction_info={"transaction_id": "TX21-1"},
                    evse={"id": 1, "connector_id": 1},
                    id_token={"id_token": "TAG21-1", "type": "ISO14443"},
                    meter_value=energy(wh, context),
                )
            )

    async def ended() -> Any:
        status, body = await api.request("GET", f"/transactions/TX21-1?stationId={station}")
        return body if status == 200 and body.get("state") == "ended" else None

    shown = await eventually(ended)
    assert shown and shown["energyWh"] == 2100 and shown["ocppVersion"] == names.OCPP21


# --- 2.1's own messages ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def raw21(url: str, station: str) -> AsyncIterator[RawStation]:
    async with raw_station(url, station, PASSWORD, subprotocols=[names.OCPP21]) as raw:
        assert raw.ws.subprotocol == names.OCPP21
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
        yield raw


async def kept(api: Api, station: str, action: str) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        status, body = await api.request("GET", f"/stations/{station}/messages")
        assert status == 200, body
        return [m for m in body["messages"] if m["action"] == action]

    return list(await eventually(found))


@pytest.mark.parametrize("action", sorted(REQUESTS_21))
async def test_each_2_1_message_is_answered_validly_and_kept(
    api: Api, gateway21: str, station: str, action: str
):
    async with raw21(gateway21, station) as raw:
        answer = await raw.call(action, REQUESTS_21[action])
    assert isinstance(answer, CallResult), answer
    schemas.validate(action, "Response", answer.payload, names.OCPP21)
    [message] = await kept(api, station, action)
    assert message["payload"] == REQUESTS_21[action]
    assert message["ocppVersion"] == names.OCPP21


async def test_priority_charging_and_answers_that_say_what_the_csms_cannot_do(
    gateway21: str, station: str
):
    async with raw21(gateway21, station) as raw:
        vat = await raw.call("VatNumberValidation", REQUESTS_21["VatNumberValidation"])
        pull = await raw.call("PullDynamicScheduleUpdate", {"chargingProfileId": 1})
        chain = await raw.call(
            "GetCertificateChainStatus", REQUESTS_21["GetCertificateChainStatus"]
        )
    assert isinstance(vat, CallResult) and vat.payload["status"] == "Rejected"
    assert vat.payload["vatNumber"] == "NL123456789B01" and vat.payload["evseId"] == 1
    assert isinstance(pull, CallResult) and pull.payload["status"] == "Rejected"
    assert isinstance(chain, CallResult)
    assert [s["status"] for s in chain.payload["certificateStatus"]] == ["Failed"]  # a CRL


async def test_a_periodic_event_stream_is_stored_and_its_sends_never_answered(
    api: Api, gateway21: str, station: str
):
    stream = SEND_21["NotifyPeriodicEventStream"]
    async with raw21(gateway21, station) as raw:
        opened = await raw.call("OpenPeriodicEventStream", REQUESTS_21["OpenPeriodicEventStream"])
        assert isinstance(opened, CallResult) and opened.payload == {"status": "Accepted"}
        await raw.send(orjson.dumps([6, "send-1", "NotifyPeriodicEventStream", stream]).decode())
        await raw.send(orjson.dumps([6, "send-2", "NotifyPeriodicEventStream", {"id": 3}]).decode())
        await raw.send(orjson.dumps([6, "send-3", "NoSuchStream", {"id": 3}]).decode())
        # Nothing answers a SEND: the next frame is the Heartbeat's answer.
        answer = await raw.call("Heartbeat", {}, message_id="hb-after-sends")
        assert isinstance(answer, CallResult) and answer.message_id == "hb-after-sends"

        async def parts() -> Any:
            status, body = await api.request("GET", f"/stations/{station}/event-streams/3")
            return body if status == 200 and body["parts"] else None

        shown = await eventually(parts)
        assert shown["open"] is True and shown["variableMonitoringId"] == 11
        [part] = shown["parts"]  # the SEND without data violated the schema: not stored
        assert part["data"] == stream["data"] and part["known"] is True
        closed = await raw.call("ClosePeriodicEventStream", {"id": 3})
        assert isinstance(closed, CallResult)
    status, body = await api.request("GET", f"/stations/{station}/event-streams")
    assert status == 200 and [s["open"] for s in body["streams"]] == [False]


async def test_a_callresulterror_is_kept_for_the_operator(api: Api, gateway21: str, station: str):
    async with raw21(gateway21, station) as raw:
        await raw.send(
            orjson.dumps([5, "their-call-1", "FormatViolation", "bad interval", {"at": 1}]).decode()
        )
        answer = await raw.call("Heartbeat", {}, message_id="hb-after-error")
        assert isinstance(answer, CallResult) and answer.message_id == "hb-after-error"
    [refused] = await kept(api, station, "CALLRESULTERROR")
    assert refused["answeredMessageId"] == "their-call-1"
    assert refused["payload"] == {
        "code": "FormatViolation",
        "description": "bad interval",
        "details": {"at": 1},
    }


class Tariffed21(ChargePoint):
    """A 2.1 station that keeps the tariffs the CSMS sends it."""

    tariffs: list[dict[str, Any]]

    @on("SetDefaultTariff")
    def on_set_default_tariff(self, evse_id: int, tariff: dict[str, Any], **kw: Any) -> Any:
        self.tariffs.append(tariff)
        return result21.SetDefaultTariff(status="Accepted")

    @on("GetTariffs")
    def on_get_tariffs(self, evse_id: int, **kw: Any) -> Any:
        return result21.GetTariffs(
            status="Accepted",
            tariff_assignments=[
                {"tariff_id": t["tariff_id"], "tariff_kind": "DefaultTariff"} for t in self.tariffs
            ],
        )


async def test_a_2_1_station_receives_its_tariff_at_boot_and_when_it_changes(
    api: Api, gateway21: str, station: str
):
    tariff = f"T21-{station}"[:64]
    body = {"currency": "EUR", "pricePerKWh": 0.3, "sessionFee": 1, "stations": [station]}
    status, _ = await api.request("PUT", f"/tariffs/{tariff}", body)
    assert status == 201
    try:
        ws = await open_ws(gateway21, station, PASSWORD, subprotocols=[names.OCPP21])
        cp = Tariffed21(station, ws, response_timeout=30)
        cp.tariffs = []
        async with running(cp):
            await boot21(cp)
            await eventually(lambda: _some(cp.tariffs))
            assert cp.tariffs[0]["energy"] == {"prices": [{"price_kwh": 0.3}]}
            assert cp.tariffs[0]["fixed_fee"] == {"prices": [{"price_fixed": 1.0}]}
            status, _ = await api.request("PUT", f"/tariffs/{tariff}", {**body, "pricePerKWh": 0.4})
            assert status == 200
            await eventually(lambda: _some(cp.tariffs[1:]))
            assert cp.tariffs[1]["energy"] == {"prices": [{"price_kwh": 0.4}]}
            # 2.1's own commands go through the raw command endpoint, checked on 2.1 schemas.
            status, answer = await api.request(
                "POST", f"/stations/{station}/ocpp/GetTariffs", {"evseId": 0}
            )
            assert status == 200, answer
            assert answer["response"]["tariffAssignments"][0]["tariffId"] == tariff
    finally:
        await api.request("DELETE", f"/tariffs/{tariff}")


async def _some(items: list[Any]) -> bool:
    return bool(items)


async def test_a_new_default_tariff_reaches_connected_2_1_stations_without_their_own(
    api: Api, gateway21: str, station: str
):
    tariff = f"D21-{station}"[:64]
    ws = await open_ws(gateway21, station, PASSWORD, subprotocols=[names.OCPP21])
    cp = Tariffed21(station, ws, response_timeout=30)
    cp.tariffs = []
    try:
        async with running(cp):
            await boot21(cp)

            async def connected21() -> bool:
                _, view = await api.request("GET", f"/stations/{station}")
                return (view.get("connection") or {}).get("ocppVersion") == names.OCPP21

            assert await eventually(connected21)
            body = {"currency": "EUR", "pricePerMinute": 0.05, "default": True}
            status, _ = await api.request("PUT", f"/tariffs/{tariff}", body)
            assert status == 201
            await eventually(lambda: _some(cp.tariffs))
            assert cp.tariffs[-1]["tariff_id"] == tariff
            assert cp.tariffs[-1]["charging_time"] == {"prices": [{"price_minute": 0.05}]}
    finally:
        await api.request("DELETE", f"/tariffs/{tariff}")


class Costed21(Tariffed21):
    """A 2.1 station that answers SetDefaultTariff with ``answer`` and keeps the running
    costs the CSMS sends it."""

    answer: str
    costs: list[float]

    @on("SetDefaultTariff")
    def on_set_default_tariff(self, evse_id: int, tariff: dict[str, Any], **kw: Any) -> Any:
        self.tariffs.append(tariff)
        return result21.SetDefaultTariff(status=self.answer)

    @on("CostUpdated")
    def on_cost_updated(self, total_cost: float, transaction_id: str, **kw: Any) -> Any:
        self.costs.append(total_cost)
        return result21.CostUpdated()


async def _charge_under_own_tariff(
    db: AsyncDatabase[Any], url: str, station: str, answer: str, tx: str
) -> tuple[Costed21, Any]:
    """Boot a 2.1 station that answers its SetDefaultTariff with ``answer``, then charge
    10 kWh (an Updated at 5 kWh) under a 0.30/kWh + 1.00 tariff; the Ended answer."""
    ws = await open_ws(url, station, PASSWORD, subprotocols=[names.OCPP21])
    cp = Costed21(station, ws, response_timeout=30)
    cp.tariffs, cp.costs, cp.answer = [], [], answer
    async with running(cp):
        await boot21(cp)

        async def answered() -> bool:
            facts = await station_state.get_kinds(db, station, (names.STATE_DEFAULT_TARIFF,))
            return facts.get(names.STATE_DEFAULT_TARIFF, {}).get("status") == answer

        assert await eventually(answered)
        answers = []
        for seq, (kind, wh) in enumerate([("Started", 0), ("Updated", 5000), ("Ended", 10_000)]):
            answers.append(
                await cp.call(
                    call.TransactionEvent(
                        event_type=kind,
                        timestamp=now(),
                        trigger_reason="Authorized" if kind == "Started" else "MeterValuePeriodic",
                        seq_no=seq,
                        transaction_info={"transaction_id": tx},
                        evse={"id": 1, "connector_id": 1},
                        meter_value=energy(wh, "Sample.Periodic"),
                    )
                )
            )
            if kind == "Updated" and answer != "Accepted":
                assert await eventually(lambda: _some(cp.costs))
        await asyncio.sleep(1)  # what a follow-up would have sent
    return cp, answers


async def test_a_2_1_station_that_accepted_its_tariff_computes_its_cost_itself(
    api: Api, db: AsyncDatabase[Any], gateway21: str, station: str
):
    tariff = f"L21-{station}"[:64]
    body = {"currency": "EUR", "pricePerKWh": 0.3, "sessionFee": 1, "stations": [station]}
    assert (await api.request("PUT", f"/tariffs/{tariff}", body))[0] == 201
    try:
        cp, (_, updated, ended) = await _charge_under_own_tariff(
            db, gateway21, station, "Accepted", "TX21-LOCAL"
        )
        assert ended.total_cost is None and updated.updated_personal_message is None
        assert cp.costs == []
        status, tx = await api.request("GET", f"/transactions/TX21-LOCAL?stationId={station}")
        assert status == 200 and tx["cost"] == "4.00"  # the CSMS still computes it
    finally:
        await api.request("DELETE", f"/tariffs/{tariff}")


async def test_a_2_1_station_that_rejected_its_tariff_is_sent_costs(
    api: Api, db: AsyncDatabase[Any], gateway21: str, station: str
):
    tariff = f"R21-{station}"[:64]
    body = {"currency": "EUR", "pricePerKWh": 0.3, "sessionFee": 1, "stations": [station]}
    assert (await api.request("PUT", f"/tariffs/{tariff}", body))[0] == 201
    try:
        cp, (_, updated, ended) = await _charge_under_own_tariff(
            db, gateway21, station, "Rejected", "TX21-SENT"
        )
        assert ended.total_cost == 4.0
        assert updated.updated_personal_message["content"] == "2.50 EUR"
        assert cp.costs[0] == 2.5
    finally:
        await api.request("DELETE", f"/tariffs/{tariff}")
