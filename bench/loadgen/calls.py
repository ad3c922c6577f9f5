"""What the scenario and the version's payload builders share: one request, an EVSE and its
transaction, and the readings every version reports (energy register and power)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

Payload = dict[str, Any]

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"


def utc_now() -> str:
    """UTC ISO 8601 with milliseconds and ``Z``, as OCPP dateTime expects."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Request:
    action: str
    payload: Payload
    label: str  # what statistics are kept under: the action, TransactionEvent with its type
    # Given the CALLRESULT's payload (whatever its status): 1.6's StartTransaction learns
    # the transactionId the CSMS allocated. Not called for a CALLERROR or no answer.
    on_answer: Callable[[Payload], None] | None = None

    @classmethod
    def of(
        cls,
        action: str,
        payload: Payload,
        label: str | None = None,
        on_answer: Callable[[Payload], None] | None = None,
    ) -> Request:
        return cls(action, payload, label or action, on_answer)


@dataclass(slots=True)
class Transaction:
    # 2.0.1 and 2.1: the station's own string. 1.6: the CSMS's integer, None until it answers
    # StartTransaction.
    transaction_id: str | int | None
    updates_left: int
    seq_no: int = 0  # 2.0.1 and 2.1: the next one to send
    opened: bool = False  # its start went out (1.6: and was answered with a transactionId)


@dataclass(slots=True)
class Evse:
    id: int  # 1.6: the connector id (one connector per EVSE)
    energy_wh: float
    status: str = "Available"  # in 2.0.1 words: Available, Occupied, Unavailable
    transaction: Transaction | None = None


class Dialect(Protocol):
    """How one OCPP version says each step of the scenario (``ocpp201``, ``ocpp16``)."""

    @property
    def version(self) -> str:
        """The websocket subprotocol, one of shared.names.OCPP_VERSIONS."""
        ...

    @property
    def names_transactions(self) -> bool:
        """The station names its transactions (2.0.1), else the CSMS numbers them (1.6)."""
        ...

    def boot(self, station_id: str) -> Request: ...

    def status(self, evse: Evse, status: str) -> Request: ...

    def authorize(self, id_token: str) -> Request: ...

    def started(self, evse: Evse, id_token: str) -> Request: ...

    def updated(self, evse: Evse, power_w: float) -> Request: ...

    def ended(self, evse: Evse, reason: str, id_token: str) -> Request: ...

    def meter_values(self, evse: Evse, power_w: float) -> Request: ...
