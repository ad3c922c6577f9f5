"""A test's own queue on ``ocpp.events``: what the CSMS published, as another service sees it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractQueue

from shared import names


@contextlib.asynccontextmanager
async def event_queue(amqp_url: str, *patterns: str) -> AsyncIterator[AbstractQueue]:
    """An exclusive queue bound to ``ocpp.events`` with each routing-key pattern, gone with
    its connection when the block ends."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(names.EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True)
        for pattern in patterns:
            await queue.bind(exchange, pattern)
        yield queue


class Tap:
    """Reads a test's event queue (``event_queue``)."""

    def __init__(self, queue: AbstractQueue) -> None:
        self.queue = queue

    async def events(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """The first ``count`` events the queue gets, in arrival order."""
        bodies = []
        async with asyncio.timeout(timeout):
            async with self.queue.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    bodies.append(orjson.loads(message.body))
                    if len(bodies) == count:
                        return bodies
        return bodies
