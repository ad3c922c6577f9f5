"""Events at least once: a worker killed between store and publish, a broker out of reach
for the worker, a worker that died leaving events unpublished. Each case ends with the
event delivered, every copy under the same ``eventId``.

The moment between store and publish is hit with the test-only ``TEST_FAULT`` setting
(workers/faults.py). These tests need the message to reach one particular worker, so they
stop the cluster's workers, start their own and give the cluster two fresh ones after.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aio_pika
import orjson
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocppj import CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD
from tests.events import event_queue
from tests.proxy import Proxy
from tests.simulator import BOOT, RawStation, now, raw_station

TX = "TX-OUTBOX"


class Tap:
    """Every copy of one station's transaction.started events, as another service sees them."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue
        self.bodies: list[dict[str, Any]] = []

    async def collect(self, timeout: float = 20, settle: float = 1.5) -> list[dict[str, Any]]:
        """What arrived: waits up to ``timeout`` for a first copy, then ``settle`` more."""
        loop = asyncio.get_running_loop()
        deadline = settled = loop.time() + timeout
        while loop.time() < deadline:
            message = await self.queue.get(fail=False)
            if message is None:
                if self.bodies and loop.time() > settled:
                    break
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            self.bodies.append(orjson.loads(message.body))
            settled = loop.time() + settle
        return self.bodies


@pytest.fixture
async def tap(cluster: Cluster, station: str) -> AsyncIterator[Tap]:
    async with event_queue(
        cluster.amqp_url, names.event_key(names.EVENT_TRANSACTION_STARTED, station)
    ) as queue:
        yield Tap(queue)


@pytest.fixture
async def own_workers(cluster: Cluster) -> AsyncIterator[None]:
    """No worker but the ones the test starts; two ordinary ones again afterwards."""
    for name in cluster.workers():
        cluster.kill(name, signal.SIGTERM)
    await consumers(cluster, 0)
    yield
    for name in cluster.workers():
        cluster.kill(name, signal.SIGKILL)
    cluster.start("workers")
    cluster.start("workers")
    await cluster.wait_ready(workers=2)


async def until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 20) -> Any:
    """Poll ``check`` until it gives something true; fail naming ``what`` after ``timeout``."""
    for _ in range(int(timeout / 0.05)):
        if value := await check():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout} s")


async def consumers(cluster: Cluster, count: int) -> None:
    async def reached() -> bool:
        return await cluster.inbound_consumers() == count

    await until(reached, f"{count} inbound consumers", timeout=30)


async def exited(cluster: Cluster, name: str) -> int | None:
    async def code() -> int | None:
        return cluster.procs[name].poll()

    return await until(code, f"exit of {name}")


async def stored(db: AsyncDatabase[Any], station: str) -> None:
    await until(
        lambda: db[names.TRANSACTION_EVENTS].find_one({"_id": f"{station}/{TX}/0"}),
        "stored TransactionEvent",
    )


async def boot(raw: RawStation) -> None:
    answer = await raw.call("BootNotification", BOOT)
    assert isinstance(answer, CallResult) and answer.payload["status"] == "Accepted"


def start_transaction(raw: RawStation) -> asyncio.Task[Any]:
    payload = {
        "eventType": "Started",
        "timestamp": now(),
        "triggerReason": "CablePluggedIn",
        "seqNo": 0,
        "transactionInfo": {"transactionId": TX},
        "evse": {"id": 1, "connectorId": 1},
    }
    return asyncio.create_task(raw.call("TransactionEvent", payload, message_id="outbox-0"))


def delivered_once_or_more(bodies: list[dict[str, Any]], station: str) -> None:
    assert bodies, "the transaction.started event was never delivered"
    assert {(b["station"], b["transactionId"], b["seqNo"]) for b in bodies} == {(station, TX, 0)}
    ids = {b.get("eventId") for b in bodies}
    assert len(ids) == 1 and None not in ids, ids


async def test_a_worker_killed_between_store_and_publish_loses_no_event(
    cluster: Cluster, station: str, db: AsyncDatabase[Any], own_workers: None, tap: Tap
):
    victim = cluster.start("workers", TEST_FAULT=f"kill transaction.started {station}")
    await consumers(cluster, 1)
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        await boot(raw)
        call = start_transaction(raw)
        assert await exited(cluster, victim) == -signal.SIGKILL
        await stored(db, station)  # stored, not published, message unacked
        cluster.start("workers")
        answer = await call
        assert isinstance(answer, CallResult), answer
    delivered_once_or_more(await tap.collect(), station)


async def test_the_broker_out_of_reach_of_the_worker_while_a_message_is_stored(
    cluster: Cluster,
    station: str,
    db: AsyncDatabase[Any],
    own_workers: None,
    tap: Tap,
    tmp_path: Path,
):
    go = tmp_path / "go"
    async with Proxy.before(cluster.amqp_url, 5672) as proxy:
        cluster.start(
            "workers",
            AMQP_URL=proxy.url(cluster.amqp_url),
            TEST_FAULT=f"wait transaction.started {station} {go}",
        )
        await consumers(cluster, 1)
        async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
            await boot(raw)
            call = start_transaction(raw)
            await stored(db, station)
            proxy.cut()
            go.touch()  # the worker now publishes into a link that is gone
            await asyncio.sleep(2)
            assert not tap.bodies and await tap.queue.get(fail=False) is None
            proxy.restore()
            answer = await call
            assert isinstance(answer, CallResult), answer
        delivered_once_or_more(await tap.collect(), station)


async def test_the_sweeper_publishes_what_a_dead_worker_left(
    cluster: Cluster, station: str, db: AsyncDatabase[Any], own_workers: None, tap: Tap
):
    """The broker refuses the event; the worker answers the station, acks and dies before it
    tries again. The message is gone from the queue, so only the store still knows."""
    victim = cluster.start(
        "workers",
        TEST_FAULT=f"fail transaction.started {station}",
        OUTBOX_INTERVAL_SECONDS="3600",
    )
    await consumers(cluster, 1)
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        await boot(raw)
        answer = await start_transaction(raw)
        assert isinstance(answer, CallResult), answer
    assert await exited(cluster, victim) == -signal.SIGKILL
    assert not await tap.collect(timeout=1)
    cluster.start("workers", OUTBOX_SWEEP_AFTER_SECONDS="1")
    delivered_once_or_more(await tap.collect(), station)
