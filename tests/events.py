"""A test's own queue on ``ocpp.events``: what the CSMS published, as another service sees it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aio_pika
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
