"""Tariffs and costs (I01-I03) end to end: tariffs defined through the API, ``ocpp``-library
stations charging under them on the real cluster (COST_UPDATE_INTERVAL=1 and
TARIFF_CACHE_SECONDS=0 there, ``tests/cluster.py``)."""

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


async def charge(cp: CostStation, tx: str, *, pause: float = 1.2) -> Any:
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
        started, ended = await charge(cp, "TX-COST-1")
        assert started.id_token_info["personal_message"]["content"] == TEXT
        assert started.total_cost is None
        assert ended.total_cost == 4.00  # 1.00 session fee + 10 kWh x 0.30

        async def two_costs() -> bool:
            return len(cp.costs) >= 2

        await eventually(two_costs)
        # 5 kWh: 1.00 + 1.50; 8 kWh, a second later: 1.00 + 2.40.
        assert cp.costs == [("TX-COST-1", 2.5), ("TX-COST-1", 3.4)]

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
        assert cp.costs == []
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
