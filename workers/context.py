"""What a handler may touch: the station, the store, settings, events. Never bytes or acks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from cryptography import x509
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.commands import CommandClient
from shared.config import Settings
from shared.events import utc_now
from shared.pki import Issuer

from . import faults
from .contract_provider import NoProvider, Provider
from .ocsp import OcspClient
from .outbox import Outbox

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
    events: Outbox
    station_doc: Mapping[str, Any] | None = None
    vendors: Mapping[str, VendorHandler] = field(default_factory=dict)
    commands: CommandClient | None = None
    ca: Issuer | None = None
    """The station CA: signs ChargingStationCertificate CSRs only."""
    v2g_ca: Issuer | None = None
    """The V2G CA: signs V2GCertificate CSRs only."""
    contracts: Provider = field(default_factory=NoProvider)
    """Who answers Get15118EVCertificate (``workers/contract_provider.py``)."""
    ocsp: OcspClient | None = None
    """Asks OCSP responders (GetCertificateStatus, Plug & Charge Authorize)."""
    contract_roots: tuple[x509.Certificate, ...] = ()
    """The trusted MO and V2G roots an Authorize ``certificate`` chain must lead to
    (CONTRACT_ROOTS_FILE); none: every such chain is refused."""
    ocpp_version: str = names.OCPP201
    """The version the station's connection speaks (``Inbound.ocpp_version``)."""
    now: datetime = field(default_factory=utc_now)
    boot_status: str = ""
    """The station's boot status, sent back to the gateway with the reply (``Reply.boot``);
    a BootNotification handler sets the one it answered."""
    after_reply: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Work that must wait until the station has its answer (e.g. a CALL to it after an
    accepted boot); run by the consumer once the reply is confirmed."""

    async def emit(self, event: str, key: object = None, **fields: Any) -> None:
        """Publish a domain event at least once (``workers/outbox.py``): returns once the
        broker confirmed it or it is parked in the outbox. Call it after the state change
        is stored, every time the message is handled, not only the first: a redelivery
        must publish again what a lost worker may not have.

        ``key`` names the state change within the station (default: this message), so
        every copy of the event carries the same ``eventId``."""
        await self.events.publish(
            event,
            self.station,
            self.message_id if key is None else key,
            fields,
            partial(faults.before_publish, self, event),
        )

    def record_id(self, *parts: object) -> str:
        """A document id unique to this message, so a redelivery writes nothing new."""
        return "/".join([self.station, self.message_id, *map(str, parts)])
