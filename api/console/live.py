"""The console's push channel: ONE exclusive queue per API process on ``ocpp.events``,
fanned out in memory to every browser connected to ``GET /console/events`` (Server-Sent
Events).

The queue is bound to the events the lists and the dashboard show, for every station, only
while a browser watches the fleet, to every event of a station (``#.<id>``) only while its
page is open, and to a site's events only while that site's page is open: with no console
open, the fleet's traffic does not reach the API at all, and its heartbeats and meter values
only when someone watches that station.
A browser that falls behind loses events (its buffer is bounded), never the process.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter

import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from shared import names

log = logging.getLogger("api.console")

FLEET_EVENTS = (
    names.EVENT_STATION_CONNECTED,
    names.EVENT_STATION_DISCONNECTED,
    names.EVENT_STATION_BOOTED,
    names.EVENT_STATUS_CHANGED,
    names.EVENT_TRANSACTION_STARTED,
    names.EVENT_TRANSACTION_ENDED,
    names.EVENT_ALERT_RAISED,
    names.EVENT_ALERT_CLEARED,
    names.EVENT_ALERT_ACKNOWLEDGED,
)
BUFFER = 1000  # events held for one slow browser before it loses some
QUEUE_LIMIT = 10_000  # events the broker holds for this process before dropping the oldest


# What a browser watches: the fleet (None), ("station", id) or ("site", id).
Topic = tuple[str, str] | None
STATION, SITE = "station", "site"


class Subscriber:
    """One browser's stream: every fleet event, every event of one station, or one site's."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(BUFFER)
        self.lost = 0

    def offer(self, body: bytes) -> None:
        try:
            self.queue.put_nowait(body)
        except asyncio.QueueFull:
            self.lost += 1

    def close(self) -> None:
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Feed:
    def __init__(
        self, channel: AbstractChannel, queue: AbstractQueue, exchange: AbstractExchange
    ) -> None:
        self._channel, self._queue, self._exchange = channel, queue, exchange
        self._subscribers: set[Subscriber] = set()
        self._watched: Counter[Topic] = Counter()
        self._binding = asyncio.Lock()  # one bind or unbind at a time, in order

    @classmethod
    async def start(cls, connection: AbstractRobustConnection) -> Feed:
        channel = await connection.channel()
        queue = await channel.declare_queue(
            names.CONSOLE_QUEUE_PREFIX + secrets.token_hex(6),
            exclusive=True,
            auto_delete=True,
            arguments={"x-max-length": QUEUE_LIMIT, "x-overflow": "drop-head"},
        )
        exchange = await channel.get_exchange(names.EVENTS_EXCHANGE)
        feed = cls(channel, queue, exchange)
        await queue.consume(feed._on_message, no_ack=True)
        return feed

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            body = orjson.loads(message.body)
        except orjson.JSONDecodeError:
            return
        if not isinstance(body, dict):
            return
        for subscriber in self._subscribers:
            if wanted(subscriber.topic, message.routing_key or "", body):
                subscriber.offer(message.body)

    @staticmethod
    def _keys(topic: Topic) -> list[str]:
        """What the queue is bound to while someone watches ``topic``."""
        if topic is None:
            return [f"{event}.#" for event in FLEET_EVENTS]
        kind, ident = topic
        if kind == SITE:
            return [names.event_key(event, ident) for event in names.SITE_EVENTS]
        return [names.event_key("#", ident)]

    async def subscribe(self, topic: Topic) -> Subscriber:
        subscriber = Subscriber(topic)
        self._subscribers.add(subscriber)
        async with self._binding:
            self._watched[topic] += 1
            if self._watched[topic] == 1:
                for key in self._keys(topic):
                    await self._queue.bind(self._exchange, key)
        return subscriber

    async def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        topic = subscriber.topic
        async with self._binding:
            self._watched[topic] -= 1
            if self._watched[topic] > 0:
                return
            del self._watched[topic]
            try:
                for key in self._keys(topic):
                    await self._queue.unbind(self._exchange, key)
            except Exception as exc:  # the channel is closing: the queue goes with it
                log.debug("could not unbind", extra={"error": repr(exc)})

    def close_all(self) -> None:
        """End every stream (the API is stopping): browsers reconnect to another replica,
        or to this one once it is back."""
        for subscriber in list(self._subscribers):
            subscriber.close()


def wanted(topic: Topic, routing_key: str, body: dict[str, object]) -> bool:
    """Whether one browser's stream gets this event: the queue holds the union of what
    every open page watches, so each event is matched again per browser."""
    if topic is None:
        return routing_key.startswith(tuple(e + "." for e in FLEET_EVENTS))
    kind, ident = topic
    if kind == SITE:
        return body.get("site") == ident and routing_key.startswith(
            tuple(e + "." for e in names.SITE_EVENTS)
        )
    return body.get("station") == ident
