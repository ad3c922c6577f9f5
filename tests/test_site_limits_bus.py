"""An energy manager sets a site's limit over the bus, as it could over the API: a
``site.limit`` message on ``ocpp.site-limits``, through the real gateway, workers, broker
and store, with stations that hold what they accept (``tests/site_station.py``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import orjson
import pytest
from aio_pika.abc import AbstractExchange, AbstractQueue

from shared import names
from tests.cluster import Cluster
from tests.conftest import Api
from tests.test_end_to_end import eventually
from tests.test_sites import key, site_of


@pytest.fixture
async def limits(cluster: Cluster) -> AsyncIterator[AbstractExchange]:
    """``ocpp.site-limits`` as an energy manager sees it (the workers declared it)."""
    connection = await aio_pika.connect(cluster.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        yield await channel.get_exchange(names.SITE_LIMITS_EXCHANGE)


async def send(limits: AbstractExchange, body: Any, kind: str = names.TYPE_SITE_LIMIT) -> None:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    message = aio_pika.Message(
        data,
        type=kind,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )
    await limits.publish(message, routing_key="")


@contextlib.asynccontextmanager
async def site_events(cluster: Cluster, site: str) -> AsyncIterator[AbstractQueue]:
    """A queue of the site's ``site.changed`` events, as an events reader would bind it."""
    connection = await aio_pika.connect(cluster.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(names.EVENTS_EXCHANGE, names.event_key(names.EVENT_SITE_CHANGED, site))
        yield queue


async def changed_by_bus(queue: AbstractQueue, timeout: float = 15) -> dict[str, Any]:
    """The next ``site.changed`` the bus path published (the API's and the sweep's skipped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        message = await queue.get(fail=False)
        if message is None:
            await asyncio.sleep(0.05)
            continue
        await message.ack()
        event: dict[str, Any] = orjson.loads(message.body)
        if event.get("by") == names.BY_BUS:
            return event
    raise AssertionError("no site.changed with by: bus")


async def test_an_energy_manager_limits_a_site_over_the_bus(
    cluster: Cluster, api: Api, limits: AbstractExchange
) -> None:
    async with (
        site_of(cluster, api, 2, maxCurrent=32.0) as (site, cps, ledger),
        site_events(cluster, site) as events,
    ):
        a, b = cps
        await a.start_transaction("TX-A")
        await b.start_transaction("TX-B")
        halves = {key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0}
        await ledger.until(halves)

        await send(limits, {"siteId": site, "maxCurrent": 12.0, "source": "EMS"})
        await ledger.until({key(a, "TX-A"): 6.0, key(b, "TX-B"): 6.0})
        taken = await changed_by_bus(events)
        assert taken["site"] == site and taken["cause"] == names.CAUSE_LIMIT_SET
        status, shown = await api.request("GET", f"/sites/{site}")
        assert status == 200 and shown["effectiveLimit"] == 12.0
        assert shown["externalLimit"]["source"] == "EMS"
        assert shown["externalLimit"]["maxCurrent"] == 12.0

        ledger.reset_peak()
        await send(limits, {"siteId": site, "maxCurrent": None, "source": "EMS"})
        await ledger.until(halves)
        assert ledger.peak <= 32.0
        assert (await changed_by_bus(events))["cause"] == names.CAUSE_LIMIT_CLEARED
        _, shown = await api.request("GET", f"/sites/{site}")
        assert shown["externalLimit"] is None and shown["effectiveLimit"] == 32.0


async def test_what_cannot_be_applied_changes_nothing_and_the_next_limit_still_works(
    cluster: Cluster, api: Api, limits: AbstractExchange
) -> None:
    async with site_of(cluster, api, 2, maxCurrent=32.0) as (site, cps, ledger):
        a, b = cps
        await a.start_transaction("TX-A")
        await b.start_transaction("TX-B")
        halves = {key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0}
        await ledger.until(halves)
        alive = {w for w in cluster.workers() if cluster.procs[w].poll() is None}

        await send(limits, {"siteId": site, "maxCurrent": "x"})
        await send(limits, {"siteId": site, "maxCurrent": 12.0, "why": "unknown field"})
        await send(limits, {"siteId": "SITE-NOBODY-DEFINED", "maxCurrent": 12.0})
        await send(limits, b"{not json")
        await send(limits, {"siteId": site, "maxCurrent": 12.0}, kind="something.else")
        await asyncio.sleep(1.0)
        _, after = await api.request("GET", f"/sites/{site}")
        assert after["externalLimit"] is None and after["effectiveLimit"] == 32.0
        assert ledger.held == halves
        assert (await api.request("GET", "/sites/SITE-NOBODY-DEFINED"))[0] == 404

        # The workers are still up, and the queue was not stuck behind what was dropped.
        await send(limits, {"siteId": site, "maxCurrent": 20.0, "source": "EMS"})
        await ledger.until({key(a, "TX-A"): 10.0, key(b, "TX-B"): 10.0})

        async def shown() -> Any:
            _, body = await api.request("GET", f"/sites/{site}")
            return body if body["externalLimit"] else None

        body = await eventually(shown)
        assert body["externalLimit"]["maxCurrent"] == 20.0 and body["effectiveLimit"] == 20.0
        assert {w for w in cluster.workers() if cluster.procs[w].poll() is None} == alive
