"""What the outbox costs the store: nothing while the broker confirms, one insert for an
event it refused, and the drain that publishes it (real RabbitMQ and store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import orjson
import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from shared import config, events, names
from shared.events import EventPublisher
from tests.cluster import Cluster
from workers.outbox import Outbox


class StoreCommands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def counted(cluster: Cluster) -> AsyncIterator[tuple[AsyncDatabase[Any], StoreCommands]]:
    listener = StoreCommands()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        cluster.mongo_url, tz_aware=True, event_listeners=[listener]
    )
    name = f"{cluster.mongo_db}_costs"  # an outbox of its own: no other worker drains it
    db = client[name]
    await db.command("ping")
    listener.names.clear()
    yield db, listener
    await client.drop_database(name)
    await client.close()


@pytest.fixture
async def publisher(cluster: Cluster) -> AsyncIterator[tuple[EventPublisher, Any]]:
    """The events exchange, and a queue bound to everything on it for station CS-COSTS."""
    connection = await aio_pika.connect(cluster.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(names.EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "*.*.CS-COSTS")
        yield EventPublisher(exchange), queue


async def refused() -> None:
    raise ConnectionError("broker refused")


async def test_a_confirmed_event_costs_no_store_round_trip_and_a_refused_one_one_insert(
    counted: tuple[AsyncDatabase[Any], StoreCommands], publisher: tuple[EventPublisher, Any]
):
    db, commands = counted
    exchange, queue = publisher
    outbox = Outbox(db, exchange, config.load({}))

    await outbox.publish("transaction.started", "CS-COSTS", "TX/0", {"seqNo": 0})
    assert commands.names == []
    message = await queue.get(timeout=5)
    body = orjson.loads(message.body)
    assert (
        body["eventId"]
        == message.message_id
        == events.event_id("transaction.started", "CS-COSTS", "TX/0")
    )

    await outbox.publish("transaction.updated", "CS-COSTS", "TX/1", {"seqNo": 1}, refused)
    assert commands.names == ["insert"]
    assert await queue.get(fail=False) is None

    commands.names.clear()
    assert await outbox.drain() == 1
    assert commands.names == ["find", "delete"]
    message = await queue.get(timeout=5)
    assert orjson.loads(message.body)["eventId"] == events.event_id(
        "transaction.updated", "CS-COSTS", "TX/1"
    )
    assert await db[names.OUTBOX].find_one({"_id": message.message_id}) is None
