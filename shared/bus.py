"""RabbitMQ connection and topology, shared by gateways, workers and the API.

``connect_robust`` re-establishes a lost connection and re-declares what was declared on
it, but it does not retry the very first connection; ``connect`` adds that with backoff so
a process started before the broker waits for it instead of dying.

A lost connection is retried at once, then after pauses that grow with the outage
(``Reconnecting``): aio-pika's own fixed 5 s pause made a 5.8 s broker restart cost 10.8 s.
aio-pika and aiormq log every failed attempt; a few a minute of each line get through
(``AttemptLogLimit``), with the count of those left out.
"""

from __future__ import annotations

import asyncio
import logging
import random
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
from shared.ratelimit import Limiter

log = logging.getLogger("bus")

INBOUND_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}
PRESENCE_ARGUMENTS: dict[str, Any] = {"x-single-active-consumer": True}
SITES_ARGUMENTS: dict[str, Any] = {"x-single-active-consumer": True}
PRESENCE_BINDINGS = (
    f"{names.EVENT_STATION_CONNECTED}.#",
    f"{names.EVENT_STATION_DISCONNECTED}.#",
)

SITES_BINDINGS = (
    f"{names.EVENT_TRANSACTION_STARTED}.#",
    f"{names.EVENT_TRANSACTION_ENDED}.#",
    f"{names.EVENT_CHARGING_NEEDS}.#",
    f"{names.EVENT_CHARGING_SCHEDULE}.#",  # acted on only when it asks for a renegotiation
    f"{names.EVENT_CHARGING_LIMIT}.#",
    f"{names.EVENT_PRIORITY_CHARGING}.#",
    f"{names.EVENT_SITE_CHANGED}.#",
)


FIRST_PAUSE = 0.1
"""Seconds between the first reconnection attempts (after the one made at once)."""
PAUSE_GROWTH = 0.25
"""Later pauses: this share of the time the broker has been gone, up to the URL's
``reconnect_interval`` (aio-pika's default, 5 s)."""
ATTEMPT_LOG_LINES_PER_MINUTE = 6
_ATTEMPT_LOGGERS = ("aio_pika.robust_connection", "aiormq.connection")


class Reconnecting(aio_pika.RobustConnection):
    """A RobustConnection whose pause between reconnection attempts grows with the outage.

    aio-pika tries once as soon as a connection drops, then sleeps ``reconnect_interval``
    between attempts; it reads that attribute before each sleep, so here it is computed: a
    quarter of the time the broker has been gone, at least ``FIRST_PAUSE``, at most the URL's
    ``reconnect_interval``, spread by +-20% per outage so processes do not retry in step. An
    outage of T seconds costs about T + max(0.1, T/4) seconds, a long one an attempt every 5 s.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._longest_pause = 5.0
        self._down_since: float | None = None
        self._spread = 1.0
        super().__init__(*args, **kwargs)

    @property
    def reconnect_interval(self) -> float:
        if self.connected.is_set():  # read once after a successful attempt
            return FIRST_PAUSE
        down_for = self.outage_seconds
        pause = max(FIRST_PAUSE, down_for * PAUSE_GROWTH) * self._spread
        return min(self._longest_pause, pause)

    @reconnect_interval.setter
    def reconnect_interval(self, value: float) -> None:
        self._longest_pause = value  # RobustConnection sets the URL's value

    @property
    def outage_seconds(self) -> float:
        """How long the connection has been (or, in the reconnect callbacks, was) down."""
        if self._down_since is None:
            if self.connected.is_set():
                return 0.0
            self._down_since = self.loop.time()  # down without a close seen: count from now
        return self.loop.time() - self._down_since

    async def _on_connection_close(self, closing: asyncio.Future[Any]) -> None:
        if self._down_since is None:
            self._down_since = self.loop.time()
            self._spread = random.uniform(0.8, 1.2)
        await super()._on_connection_close(closing)

    async def _on_connected(self) -> None:
        await super()._on_connected()  # runs the reconnect callbacks, which may read the outage
        self._down_since = None


class AttemptLogLimit(logging.Filter):
    """Lets ``burst`` lines a minute of each message through; the next says how many were
    left out (``suppressedBefore``)."""

    def __init__(self, burst: int = ATTEMPT_LOG_LINES_PER_MINUTE) -> None:
        super().__init__()
        self._limit = Limiter(burst=burst, window=60.0)

    def filter(self, record: logging.LogRecord) -> bool:
        allowed, dropped = self._limit.allow(f"{record.name}:{record.msg}")
        if allowed and dropped:
            record.suppressedBefore = dropped
        return allowed


def _limit_attempt_logs() -> None:
    for name in _ATTEMPT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, AttemptLogLimit) for f in logger.filters):
            logger.addFilter(AttemptLogLimit())


async def connect(url: str, *, give_up_after: float = 300.0) -> AbstractRobustConnection:
    """Connect, retrying with exponential backoff while the broker is unreachable; a lost
    connection is re-established by ``Reconnecting``."""
    _limit_attempt_logs()
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type((ConnectionError, OSError, aio_pika.exceptions.AMQPError)),
        wait=wait_exponential(multiplier=0.2, max=5),
        stop=stop_after_delay(give_up_after),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    ):
        with attempt:
            connection = await aio_pika.connect_robust(url, connection_class=Reconnecting)
    log.info("connected to RabbitMQ")
    assert isinstance(connection, Reconnecting)
    connection.reconnect_callbacks.add(
        lambda *_: log.warning(
            "reconnected to RabbitMQ",
            extra={"downSeconds": round(connection.outage_seconds, 3)},
        )
    )
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
    await channel.declare_exchange(
        names.TAKEOVER_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True
    )
    await channel.declare_queue(names.INBOUND_QUEUE, durable=True, arguments=INBOUND_ARGUMENTS)
    await channel.declare_queue(names.RPC_QUEUE, durable=True)
    presence = await channel.declare_queue(
        names.PRESENCE_QUEUE, durable=True, arguments=PRESENCE_ARGUMENTS
    )
    for key in PRESENCE_BINDINGS:
        await presence.bind(events, key)
    sites = await channel.declare_queue(names.SITES_QUEUE, durable=True, arguments=SITES_ARGUMENTS)
    for key in SITES_BINDINGS:
        await sites.bind(events, key)


async def route_takeovers(channel: AbstractChannel) -> None:
    """Bind ``ocpp.takeover`` into ``ocpp.station``, so takeover notices reach gateways the
    way commands do. Run by the processes that send commands (workers, API): binding into
    an exchange needs the right to publish to it, which gateways do not have."""
    stations = await channel.get_exchange(names.STATION_EXCHANGE)
    await stations.bind(names.TAKEOVER_EXCHANGE)


async def route_site_limits(channel: AbstractChannel) -> None:
    """Declare ``ocpp.site-limits`` and bind it into ``ocpp.sites``, so an energy manager's
    limits are applied by the one worker recomputing sites, in order with the site's other
    events. Run by workers only: declaring the exchange and binding from it needs configure
    and read there, which the gateway and the API have no use for."""
    limits = await channel.declare_exchange(
        names.SITE_LIMITS_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True
    )
    sites = await channel.get_queue(names.SITES_QUEUE)
    await sites.bind(limits)
