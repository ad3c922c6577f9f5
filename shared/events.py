"""Domain events for other services: JSON on the ``ocpp.events`` topic exchange.

Events are JSON rather than msgpack because their consumers are other teams' services in
any language. Routing key: ``<event>.<stationId>`` (see ``names.event_key``); body:
``{"event", "eventId", "station", "at", ...fields}``, and the AMQP ``message_id`` is the
``eventId`` too. Workers publish at least once (``workers/outbox.py``): every copy of one
event carries the same ``eventId``, derived from the state change it reports.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractExchange

from shared import names

log = logging.getLogger("events")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """OCPP's date-time form: UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Fixed for good: changing it changes every event id, and consumers de-duplicate by them.
EVENT_ID_NAMESPACE = uuid.UUID("5b0c6f43-5a2e-4c1e-9a55-2f1f4e3c0d7a")


def event_id(event: str, station: str, key: object) -> str:
    """The id of the event that reports one state change: the same for every copy.

    ``key`` names the state change within the station (a TransactionEvent's transactionId
    and seqNo, or the OCPP message id), so a redelivered message or a station's resend
    produces the same id."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{event}\n{station}\n{key}"))


def encode(
    event: str, station: str, event_id: str, *, subject: str = "station", **fields: Any
) -> bytes:
    """An event's body, as published (and as parked in the outbox). ``subject`` names the
    field that holds the routing key's id: ``station``, or ``site`` for a site's events."""
    body = {"event": event, "eventId": event_id, subject: station, "at": iso(utc_now())}
    return orjson.dumps({**body, **fields}, default=str)


class EventPublisher:
    def __init__(self, exchange: AbstractExchange) -> None:
        self._exchange = exchange

    async def publish(
        self,
        event: str,
        station: str,
        *,
        event_id: str | None = None,
        subject: str = "station",
        **fields: Any,
    ) -> None:
        """Encode and send an event; without ``event_id``, one made up for this copy."""
        key = event_id or str(uuid.uuid4())
        await self.send(event, station, key, encode(event, station, key, subject=subject, **fields))

    async def send(
        self, event: str, station: str, event_id: str, body: bytes, within: float | None = None
    ) -> None:
        """Send an encoded event; returns once the broker confirmed it (raises otherwise,
        ``TimeoutError`` after ``within`` seconds)."""
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            type=event,
            message_id=event_id,
        )
        await self._exchange.publish(
            message, routing_key=names.event_key(event, station), mandatory=False, timeout=within
        )
