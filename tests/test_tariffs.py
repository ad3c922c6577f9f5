"""Tariffs and costs (I01-I03, I06) end to end: tariffs defined through the API,
``ocpp``-library stations charging under them on the real cluster (COST_UPDATE_INTERVAL=2
and TARIFF_CACHE_SECONDS=0 there, ``tests/cluster.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from ocpp.routing import on
from ocpp.v201 import call_result
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now
from store import device_model
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.events import event_queue
from tests.simulator import SimStation, sim_station
from tests.test_end_to_end import eventually

TOKEN = "RFID-TARIFF-1"
INTERVAL = 2  # COST_UPDATE_INTERVAL of the test cluster
TEXT = "0.30 EUR/kWh + 1.00 EUR per session"


def tariff(*stations: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "currency": "EUR",
        "pricePerKWh": 0.30,
        "pricePerMinute": 0.0,
        "sessionFee": 1.00,
        "description": {"en": TEXT},
        "stations": list(stations),
        "default": False,
    }
    return body | fields


class CostStation(SimStation):
    """Records every CostUpdated it gets: (transactionId, totalCost)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.costs: list[tuple[str, float]] = []

    @on("CostUpdated")
    def on_cost_updated(self, total_cost: float, transaction_id: str, **kw: Any) -> Any:
        self.costs.append((transaction_id, total_cost))
        return call_result.CostUpdated()


@contextlib.asynccontextmanager
async def booted(cluster: Cluster, station: str) -> AsyncIterator[CostStation]:
    async with sim_station(cluster.ws_url, station, PASSWORD, cls=CostStation) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp


async def charge(cp: CostStation, tx: str, *, pause: float = INTERVAL + 0.2) -> Any:
    """Start at 0 Wh, two Updated a CostUpdated interval apart, end at 10 kWh."""
    started = await cp.transaction_event(
        "Started", tx, 0, "Authorized", energy_wh=0, token=TOKEN, charging_state="Charging"
    )
    await cp.transaction_event("Updated", tx, 1, "MeterValuePeriodic", energy_wh=5000)
    await asyncio.sleep(pause)
    await cp.transaction_event("Updated", tx, 2, "MeterValuePeriodic", energy_wh=8000)
    ended = await cp.transaction_event(
        "Ended", tx, 3, "StopAuthorized", energy_wh=10_000, token=TOKEN, stopped_reason="Local"
    )
    return started, ended


async def test_a_transaction_under_a_tariff_gets_running_and_total_costs(
    cluster: Cluster, api: Api, station: str
):
    await api.request("PUT", f"/id-tokens/{TOKEN}", {"type": "ISO14443"})
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    status, body = await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station))
    assert status == 201, body
    assert body["pricePerKWh"] == 0.3 and body["sessionFee"] == 1.0 and body["currency"] == "EUR"

    async with (
        event_queue(cluster.amqp_url, f"{names.EVENT_TRANSACTION_ENDED}.{station}") as queue,
        booted(cluster, station) as cp,
    ):
        authorized = await cp.authorize(TOKEN)
        assert authorized.id_token_info["personal_message"] == {
            "format": "UTF8",
            "language": "en",
            "content": TEXT,
        }
        tx = "TX-COST-1"
        started = await cp.transaction_event(
            "Started", tx, 0, "Authorized", energy_wh=0, token=TOKEN, charging_state="Charging"
        )
        assert started.id_token_info["personal_message"]["content"] == TEXT
        assert started.total_cost is None and started.updated_personal_message is None
        updated = await cp.transaction_event("Updated", tx, 1, "MeterValuePeriodic", energy_wh=5000)
        # I06: the answer to Updated shows the cost so far (5 kWh: 1.00 + 1.50).
        assert updated.updated_personal_message == {"format": "UTF8", "content": "2.50 EUR"}
        assert await eventually(lambda: _has(cp.costs, 2.5))
        await asyncio.sleep(INTERVAL)
        updated = await cp.transaction_event("Updated", tx, 2, "MeterValuePeriodic", energy_wh=8000)
        assert updated.updated_personal_message["content"] == "3.40 EUR"
        # 8 kWh: 1.00 + 2.40, from this event's follow-up or, if it came first, the sweep.
        assert await eventually(lambda: _has(cp.costs, 3.4))
        ended = await cp.transaction_event(
            "Ended", tx, 3, "StopAuthorized", energy_wh=10_000, token=TOKEN, stopped_reason="Local"
        )
        assert ended.total_cost == 4.00  # 1.00 session fee + 10 kWh x 0.30
        assert ended.updated_personal_message is None
        assert cp.costs[0] == (tx, 2.5) and cp.costs[-1] == (tx, 3.4)
        assert set(cp.costs) == {(tx, 2.5), (tx, 3.4)}

        # A resent Ended is answered with the same total.
        again = await cp.transaction_event(
            "Ended", "TX-COST-1", 3, "StopAuthorized", energy_wh=10_000, stopped_reason="Local"
        )
        assert again.total_cost == 4.00

        message = await queue.get(timeout=10)
        event = orjson.loads(message.body)
        assert event["cost"] == "4.00" and event["currency"] == "EUR"

    status, tx = await api.request("GET", "/transactions/TX-COST-1?stationId=" + station)
    assert status == 200, tx
    assert tx["cost"] == "4.00" and tx["currency"] == "EUR"


async def _has(costs: list[tuple[str, float]], amount: float) -> bool:
    return amount in [cost for _, cost in costs]


async def test_a_station_without_its_own_tariff_uses_the_default_one(
    cluster: Cluster, api: Api, station: str
):
    await api.request("PUT", f"/id-tokens/{TOKEN}", {"type": "ISO14443"})
    first, second = "D1-" + uuid.uuid4().hex[:8], "D2-" + uuid.uuid4().hex[:8]
    try:
        status, _ = await api.request("PUT", f"/tariffs/{first}", tariff(default=True))
        assert status == 201
        cheap = tariff(default=True, pricePerKWh=0.10, sessionFee=0, description={"en": "cheap"})
        status, _ = await api.request("PUT", f"/tariffs/{second}", cheap)
        assert status == 201
        _, previous = await api.request("GET", f"/tariffs/{first}")
        assert previous["default"] is False  # one default at a time

        async with booted(cluster, station) as cp:
            info = (await cp.authorize(TOKEN)).id_token_info
            assert info["personal_message"]["content"] == "cheap"
            _, ended = await charge(cp, "TX-DEFAULT-1", pause=0)
            assert ended.total_cost == 1.00  # 10 kWh x 0.10
    finally:
        await api.request("DELETE", f"/tariffs/{first}")
        await api.request("DELETE", f"/tariffs/{second}")


async def test_a_station_with_costs_turned_off_is_left_alone(
    cluster: Cluster, api: Api, db: AsyncDatabase[Any], station: str
):
    await api.request("PUT", f"/id-tokens/{TOKEN}", {"type": "ISO14443"})
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    status, _ = await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station))
    assert status == 201
    await device_model.store_values(
        db,
        station,
        [({"name": "TariffCostCtrlr"}, {"name": "Enabled", "instance": "Cost"}, "Actual", "false")],
        utc_now(),
    )
    async with booted(cluster, station) as cp:
        _, ended = await charge(cp, "TX-OFF-1")
        assert ended.total_cost is None
        await asyncio.sleep(1)
        assert cp.costs == []  # nor from the sweep: the Updated events came 2 intervals apart
    status, tx = await api.request("GET", "/transactions/TX-OFF-1?stationId=" + station)
    assert tx["cost"] == "4.00"  # the CSMS still bills what it computed


async def test_a_station_without_any_tariff_gets_no_costs(cluster: Cluster, api: Api, station: str):
    await api.request("PUT", f"/id-tokens/{TOKEN}", {"type": "ISO14443"})
    async with booted(cluster, station) as cp:
        assert "personal_message" not in (await cp.authorize(TOKEN)).id_token_info
        _, ended = await charge(cp, "TX-FREE-1", pause=0)
        assert ended.total_cost is None
    _, tx = await api.request("GET", "/transactions/TX-FREE-1?stationId=" + station)
    assert tx["cost"] is None and tx["currency"] is None


async def test_an_id_tokens_own_personal_message_wins(cluster: Cluster, api: Api, station: str):
    own = {"format": "UTF8", "language": "en", "content": "Welcome back"}
    token = "RFID-TARIFF-OWN"
    await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443", "personalMessage": own})
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station))
    async with booted(cluster, station) as cp:
        info = (await cp.authorize(token)).id_token_info
        assert info["personal_message"]["content"] == "Welcome back"


async def test_tariff_api_checks_what_it_is_given(api: Api, station: str):
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    cases = [
        (tariff(currency="euro"), "currency"),
        (tariff(pricePerKWh=-1), "negative"),
        (tariff(pricePerKWh=0.12345), "decimals"),
        (tariff(sessionFee=1e12), "at most"),
        (tariff(colour="red"), "Unknown fields"),
        (tariff("NOT-REGISTERED-" + tariff_id), "Unknown stations"),
    ]
    for body, words in cases:
        status, answer = await api.request("PUT", f"/tariffs/{tariff_id}", body)
        assert status == 422 and words in answer["error"], (body, answer)

    status, _ = await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station))
    assert status == 201
    status, _ = await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station, sessionFee=2))
    assert status == 200
    status, answer = await api.request("PUT", f"/tariffs/{tariff_id}-other", tariff(station))
    assert status == 409 and answer["detail"] == {station: tariff_id}
    assert (await api.request("GET", f"/tariffs/{tariff_id}-other"))[0] == 404

    status, listed = await api.request("GET", "/tariffs?limit=1000")
    assert status == 200 and tariff_id in [t["tariffId"] for t in listed]
    assert (await api.request("GET", "/tariffs/bad id"))[0] == 400
    assert (await api.request("DELETE", f"/tariffs/{tariff_id}"))[0] == 200
    assert (await api.request("DELETE", f"/tariffs/{tariff_id}"))[0] == 404
    # Its station is free again.
    status, _ = await api.request("PUT", f"/tariffs/{tariff_id}-other", tariff(station))
    assert status == 201
    await api.request("DELETE", f"/tariffs/{tariff_id}-other")


async def test_a_running_transaction_keeps_the_prices_it_started_under(
    cluster: Cluster, api: Api, station: str
):
    await api.request("PUT", f"/id-tokens/{TOKEN}", {"type": "ISO14443"})
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station))
    async with booted(cluster, station) as cp:
        await cp.transaction_event("Started", "TX-KEEP-1", 0, "Authorized", energy_wh=0)
        dearer = tariff(station, pricePerKWh=0.5, sessionFee=2)
        assert (await api.request("PUT", f"/tariffs/{tariff_id}", dearer))[0] == 200
        ended = await cp.transaction_event(
            "Ended", "TX-KEEP-1", 1, "StopAuthorized", energy_wh=10_000, stopped_reason="Local"
        )
        assert ended.total_cost == 4.00
        cheaper = tariff(station, pricePerKWh=0.1, sessionFee=0)
        assert (await api.request("PUT", f"/tariffs/{tariff_id}", cheaper))[0] == 200
        again = await cp.transaction_event(
            "Ended", "TX-KEEP-1", 1, "StopAuthorized", energy_wh=10_000, stopped_reason="Local"
        )
        assert again.total_cost == 4.00  # kept with the transaction, not computed again


async def test_a_transaction_without_updated_events_gets_its_running_cost_from_the_sweep(
    cluster: Cluster, api: Api, station: str
):
    """I02 "at a configurable interval": the workers' sweep prices a running transaction at
    now, so a station that sends no Updated events sees a price per minute advance."""
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    per_minute = tariff(station, pricePerKWh=0, sessionFee=1.0, pricePerMinute=6.0)
    assert (await api.request("PUT", f"/tariffs/{tariff_id}", per_minute))[0] == 201
    async with booted(cluster, station) as cp:
        await cp.transaction_event("Started", "TX-SWEEP-1", 0, "Authorized", energy_wh=0)

        async def two_costs() -> bool:
            return len(cp.costs) >= 2

        # The first an interval after the start (the next sweep), the second an interval on.
        assert await eventually(two_costs, timeout=4 * INTERVAL + 2)
        (tx1, first), (tx2, second) = cp.costs[:2]
        assert tx1 == tx2 == "TX-SWEEP-1"
        # 1.00 + 0.10 a second: at least an interval's worth, and more at the second.
        assert 1.0 + 0.1 * INTERVAL <= first < second
        ended = await cp.transaction_event(
            "Ended", "TX-SWEEP-1", 1, "StopAuthorized", energy_wh=0, stopped_reason="Local"
        )
        assert ended.total_cost >= second
        count = len(cp.costs)
        await asyncio.sleep(INTERVAL + 1)
        assert len(cp.costs) == count  # an ended transaction is swept no more


async def test_an_updated_event_inside_the_interval_gets_no_extra_cost_update(
    cluster: Cluster, api: Api, station: str
):
    tariff_id = "T-" + uuid.uuid4().hex[:8]
    assert (await api.request("PUT", f"/tariffs/{tariff_id}", tariff(station)))[0] == 201
    async with booted(cluster, station) as cp:
        tx = "TX-INSIDE-1"
        await cp.transaction_event("Started", tx, 0, "Authorized", energy_wh=0)
        await cp.transaction_event("Updated", tx, 1, "MeterValuePeriodic", energy_wh=5000)
        assert await eventually(lambda: _has(cp.costs, 2.5))
        updated = await cp.transaction_event("Updated", tx, 2, "MeterValuePeriodic", energy_wh=8000)
        assert updated.updated_personal_message["content"] == "3.40 EUR"  # the answer has it
        await asyncio.sleep(INTERVAL / 4)
        assert cp.costs == [(tx, 2.5)]  # but no CostUpdated before the interval is over
