"""What a handler may touch: the station, the store, settings, events. Never bytes or acks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.commands import CommandClient
from shared.config import Settings
from shared.events import EventPublisher, utc_now
from shared.pki import Issuer

from . import faults

Payload = dict[str, Any]
VendorHandler = Callable[["Context", Payload], Awaitable[Payload]]

log = logging.getLogger("workers.context")


@dataclass
class Context:
    station: str
    message_id: str
    action: str
    db: AsyncDatabase[Any]
    settings: Settings
    events: EventPublisher
    station_doc: Mapping[str, Any] | None = None
    vendors: Mapping[str, VendorHandler] = field(default_factory=dict)
    commands: CommandClient | None = None
    ca: Issuer | None = None
    now: datetime = field(default_factory=utc_now)
    boot_status: str = ""
    """The station's boot status, sent back to the gateway with the reply (``Reply.boot``);
    a BootNotification handler sets the one it answered."""
    after_reply: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Work that must wait until the station has its answer (e.g. a CALL to it after an
    accepted boot); run by the consumer once the reply is confirmed."""

    async def emit(self, event: str, **fields: Any) -> None:
        """Publish a domain event; a failure is logged, not raised, since the data is stored."""
        try:
            await faults.before_publish(self, event)
            await self.events.publish(event, self.station, **fields)
        except Exception as exc:
            log.error("could not publish event", extra={"event": event, "error": repr(exc)})

    def record_id(self, *parts: object) -> str:
        """A document id unique to this message, so a redelivery writes nothing new."""
        return "/".join([self.station, self.message_id, *map(str, parts)])
