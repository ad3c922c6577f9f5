"""Domain events for other services: JSON on the ``ocpp.events`` topic exchange.

Events are JSON rather than msgpack because their consumers are other teams' services in
any language. Routing key: ``<event>.<stationId>`` (see ``names.event_key``); body:
``{"event", "station", "at", ...fields}``.
"""

from __future__ import annotations

import logging
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


class EventPublisher:
    def __init__(self, exchange: AbstractExchange) -> None:
        self._exchange = exchange

    async def publish(self, event: str, station: str, **fields: Any) -> None:
        body = {"event": event, "station": station, "at": iso(utc_now()), **fields}
        message = aio_pika.Message(
            orjson.dumps(body, default=str),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            type=event,
        )
        await self._exchange.publish(
            message, routing_key=names.event_key(event, station), mandatory=False
        )
