"""What travels on the bus between gateways and workers, and its msgpack codec.

The gateway forwards the station's frame text untouched (``frame``) plus the few fields it
had to read anyway, so a worker can route without parsing twice and the original bytes
stay available for audit. Unknown keys are ignored on decode, so either side may add a
field before the other knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import msgpack

from shared.names import OCPP201

T = TypeVar("T")

VERSION = 1
CONTENT_TYPE = "application/msgpack"


class EnvelopeError(ValueError):
    """Bytes on the bus that are not an envelope of ours."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """A frame from a station (CALL, CALLRESULT or CALLERROR; 2.1 also SEND and
    CALLRESULTERROR, which no one answers)."""

    station: str
    gateway: str
    connection: str
    message_type: int
    message_id: str
    action: str | None
    frame: str
    received_at: float
    boot: str = ""
    """The boot status a worker last reported for this connection (``Reply.boot``), echoed
    back by the gateway, which does not read it; "" until a worker has reported one."""
    ocpp_version: str = OCPP201
    """The OCPP version (subprotocol, ``names.OCPP_VERSIONS``) the connection negotiated,
    by which ``frame`` is to be read; 2.0.1 from a gateway that predates the field."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A worker's answer (CALLRESULT or CALLERROR text) to a station's CALL, with when the
    worker started and finished handling it (epoch seconds), for the per-hop breakdown."""

    station: str
    message_id: str
    frame: str
    started_at: float = 0.0
    handled_at: float = 0.0
    boot: str = ""
    """The station's boot status as the worker saw it ("" if it did not look). The gateway
    keeps it for the connection and sends it with the next CALL, so while it is Accepted a
    worker need not read it from the store for every message: only the station's own
    BootNotification (on this connection, answered before the next CALL is sent) changes
    it, and a new connection starts without it."""


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """Handshake check the gateway asks the workers for.

    ``profile`` is what the connection offers: 3 with a verified client certificate (whose
    subject CN is ``certificate_cn``), 2 over TLS, 1 over plain ws. ``deadline`` (epoch
    seconds, 0 for none) is when the gateway stops waiting: in a reconnect storm, checks
    queue up behind each other, and a worker that still ran ~40 ms of scrypt for a handshake
    already answered 503 would spend the storm on answers nobody reads. This compares the
    gateway's clock with the worker's, so their hosts must keep time (NTP), as Kubernetes
    nodes do; a worker that drops checks minutes late says so (clock skew).
    """

    station: str
    password: str | None
    remote: str
    profile: int = 1
    certificate_cn: str | None = None
    deadline: float = 0.0

    def expired(self, now: float) -> bool:
        return 0 < self.deadline < now


@dataclass(frozen=True, slots=True)
class AuthResult:
    """``status``: ok, unknown (HTTP 404), unauthorized (HTTP 401) or forbidden (HTTP 403).

    ``ocpp_versions``: the OCPP versions the station is registered to connect with (its
    ``ocppVersions``), None for any the deployment accepts (OCPP_VERSIONS), as from a worker
    that predates the field. The gateway chooses the subprotocol with it."""

    status: str
    security_profile: int = 0
    reason: str = ""
    ocpp_versions: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A CALL the CSMS sends to a station; ``command_id`` becomes the OCPP message id.

    ``timeout`` counts from when the owning gateway receives the command, so time spent
    queued behind the station's other commands is included.
    """

    command_id: str
    station: str
    action: str
    payload: dict[str, Any]
    timeout: float
    reply_to: str | None = None
    created_at: float = 0.0
    ocpp_version: str = OCPP201
    """The version the payload was validated for: a gateway whose connection speaks another
    (the station reconnected in between) refuses the command instead of sending it."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """How a command ended; ``status`` is one of ``commands.STATUSES``."""

    command_id: str
    station: str
    action: str
    status: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error_code: str | None = None
    error_description: str | None = None
    error_details: dict[str, Any] | None = None
    sent_at: float | None = None
    completed_at: float = 0.0
    ocpp_version: str = OCPP201
    """The command's version (``Command.ocpp_version``), in which ``request`` and
    ``response`` read (a command sent translated has its answer translated back): workers
    apply the result by it. 2.0.1 from a gateway that predates the field."""


@dataclass(frozen=True, slots=True)
class CredentialsChanged:
    """A station's credentials or registered profile changed; sent to every gateway.

    Each gateway forgets the handshakes it cached for ``station`` and ends the station's
    live connection if it no longer stands (``ends``): the station was ``deleted``, its
    password was replaced while the connection rests on one (``password_replaced``), or the
    registered ``profile`` (0: unchanged) is now above the one the connection offered.

    ``ocpp_versions``: the station's new ``ocppVersions`` when an operator changed them to a
    list (None: unchanged, or any). A live connection speaking a version left out is ended
    too (``version_refused``), so the station reconnects and negotiates under the new list.
    """

    station: str
    profile: int = 0
    password_replaced: bool = False
    deleted: bool = False
    ocpp_versions: list[str] | None = None

    def ends(self, offered_profile: int) -> bool:
        """Whether a live connection that offered ``offered_profile`` must be closed."""
        return (
            self.deleted
            or offered_profile < self.profile
            or (self.password_replaced and offered_profile < 3)
        )

    def version_refused(self, version: str) -> bool:
        """Whether a live connection speaking ``version`` is no longer allowed."""
        return self.ocpp_versions is not None and version not in self.ocpp_versions


Envelope = Inbound | Reply | AuthRequest | AuthResult | Command | CommandResult | CredentialsChanged


def pack(item: Envelope) -> bytes:
    # Shallow on purpose: ``asdict`` deep-copies every nested payload, and the copy is
    # thrown away once packed.
    body = {name: getattr(item, name) for name in item.__slots__}
    body["v"] = VERSION
    packed: bytes = msgpack.packb(body, use_bin_type=True)
    return packed


def unpack(kind: type[T], data: bytes) -> T:
    """Decode bytes from the bus as ``kind``; EnvelopeError if they are not one."""
    try:
        body = msgpack.unpackb(data, raw=False)
    except Exception as exc:  # msgpack raises several unrelated types
        raise EnvelopeError(f"not msgpack: {exc}") from exc
    if not isinstance(body, dict):
        raise EnvelopeError("envelope is not a map")
    names = kind.__dataclass_fields__  # type: ignore[attr-defined]
    try:
        return kind(**{k: v for k, v in body.items() if k in names})
    except TypeError as exc:
        raise EnvelopeError(f"not a {kind.__name__}: {exc}") from exc
