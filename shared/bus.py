"""RabbitMQ connection and topology, shared by gateways, workers and the API.

``connect_robust`` re-establishes a lost connection and re-declares what was declared on
it, but it does not retry the very first connection; ``connect`` adds that with backoff so
a process started before the broker waits for it instead of dying.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from tenacity import (
    AsyncRetrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from shared import names

log = logging.getLogger("bus")

INBOUND_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}
PRESENCE_ARGUMENTS: dict[str, Any] = {"x-single-active-consumer": True}
PRESENCE_BINDINGS = (
    f"{names.EVENT_STATION_CONNECTED}.#",
    f"{names.EVENT_STATION_DISCONNECTED}.#",
)


async def connect(url: str, *, give_up_after: float = 300.0) -> AbstractRobustConnection:
    """Connect, retrying with exponential backoff while the broker is unreachable."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type((ConnectionError, OSError, aio_pika.exceptions.AMQPError)),
        wait=wait_exponential(multiplier=0.2, max=5),
        stop=stop_after_delay(give_up_after),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    ):
        with attempt:
            connection = await aio_pika.connect_robust(url)
    log.info("connected to RabbitMQ")
    connection.reconnect_callbacks.add(lambda *_: log.warning("reconnected to RabbitMQ"))
    connection.close_callbacks.add(_on_close)
    return connection


def _on_close(_connection: object, reason: BaseException | None = None) -> None:
    if reason is None or isinstance(reason, asyncio.CancelledError):
        log.info("RabbitMQ connection closed")
    else:
        log.warning("RabbitMQ connection lost; reconnecting", extra={"error": repr(reason)})


async def declare_topology(channel: AbstractChannel) -> None:
    """Declare every shared exchange and queue; idempotent, run by every process."""
    await channel.declare_exchange(
        names.STATION_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True
    )
    events = await channel.declare_exchange(
        names.EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
    )
    await channel.declare_exchange(
        names.GATEWAYS_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True
    )
    await channel.declare_queue(names.INBOUND_QUEUE, durable=True, arguments=INBOUND_ARGUMENTS)
    await channel.declare_queue(names.RPC_QUEUE, durable=True)
    presence = await channel.declare_queue(
        names.PRESENCE_QUEUE, durable=True, arguments=PRESENCE_ARGUMENTS
    )
    for key in PRESENCE_BINDINGS:
        await presence.bind(events, key)
