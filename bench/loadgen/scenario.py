"""What one simulated station sends: pure state, no I/O, so ``--selftest`` can replay it.

A station has ``evses`` EVSEs with one connector each and an import energy register per EVSE.
It boots, reports every connector Available, then each paced slot asks :meth:`Scenario.next_call`
for one request. Multi-step flows are queued and sent on the following slots, so the offered
rate stays exactly what was asked for:

* start a transaction (E03, authorize first): Authorize, TransactionEvent Started (seqNo 0,
  idToken, start meter value), StatusNotification Occupied;
* on a charging EVSE: TransactionEvent Updated (MeterValuePeriodic, seqNo + 1, energy and power)
  a few times, then TransactionEvent Ended (StopAuthorized, Local) and StatusNotification
  Available;
* Heartbeat, MeterValues for an EVSE, and an idle EVSE toggling Available <-> Unavailable.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Payload = dict[str, Any]

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
TOKEN_TYPE = "ISO14443"
MAX_TRANSACTION_ID = 36  # identifierString(36)

# Relative weights of what an idle slot turns into; a choice that does not apply right now
# (no charging EVSE to update, no free EVSE to start on) is left out of the draw.
WEIGHTS = {
    "update": 50,  # TransactionEvent Updated / Ended on a charging EVSE
    "start": 12,  # Authorize + TransactionEvent Started + StatusNotification Occupied
    "heartbeat": 15,
    "meter_values": 15,
    "status": 8,  # an idle EVSE goes Unavailable or back to Available
}
# ``--mix heartbeat`` keeps only the call that writes nothing to the store (lastSeen is kept in
# worker memory): what is left is the pipeline itself, gateway -> RabbitMQ -> worker -> reply,
# plus one ``_id`` read of the boot state. It measures the ceiling the store cannot lower.
MIXES = {"fleet": WEIGHTS, "heartbeat": {"heartbeat": 1}}
UPDATES_PER_TRANSACTION = (3, 12)


def utc_now() -> str:
    """UTC ISO 8601 with milliseconds and ``Z``, as OCPP dateTime expects."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Request:
    action: str
    payload: Payload
    label: str  # what statistics are kept under: the action, TransactionEvent with its type

    @classmethod
    def of(cls, action: str, payload: Payload, label: str | None = None) -> Request:
        return cls(action, payload, label or action)


@dataclass(slots=True)
class Transaction:
    transaction_id: str
    updates_left: int
    seq_no: int = 0  # the next one to send


@dataclass(slots=True)
class Evse:
    id: int
    energy_wh: float
    status: str = "Available"
    transaction: Transaction | None = None


@dataclass(slots=True)
class Scenario:
    station_id: str
    transaction_prefix: str  # unique per station and run
    id_token: str
    rng: random.Random
    evses: list[Evse] = field(default_factory=list)
    # the next steps of a flow, built when their slot comes (fresh timestamp, seqNo in order)
    queued: deque[Callable[[], Request]] = field(default_factory=deque)
    transactions_started: int = 0
    weights: dict[str, int] = field(default_factory=lambda: WEIGHTS)

    @classmethod
    def create(
        cls,
        station_id: str,
        transaction_prefix: str,
        id_token: str,
        evses: int,
        rng: random.Random,
        mix: str = "fleet",
    ) -> Scenario:
        scenario = cls(station_id, transaction_prefix, id_token, rng, weights=MIXES[mix])
        scenario.evses = [Evse(i, rng.uniform(1e5, 5e6)) for i in range(1, evses + 1)]
        return scenario

    # ---- setup and teardown ------------------------------------------------------------------

    def boot(self) -> Request:
        return Request.of(
            "BootNotification",
            {
                "reason": "PowerUp",
                "chargingStation": {
                    "model": "LoadGen",
                    "vendorName": "CSMS-Bench",
                    "serialNumber": self.station_id[-25:],
                    "firmwareVersion": "1.0.0",
                },
            },
        )

    def initial_status(self) -> list[Request]:
        return [self._status(evse, evse.status) for evse in self.evses]

    def teardown(self) -> list[Request]:
        """End what is still charging, so a run leaves no open transactions behind."""
        self.queued.clear()
        requests: list[Request] = []
        for evse in self.evses:
            if evse.transaction is None:
                continue
            if evse.transaction.seq_no == 0:  # Started never went out: nothing to end
                evse.transaction = None
                evse.status = "Available"
                continue
            requests.append(self._ended(evse, "Local"))
            requests.append(self._status(evse, "Available"))
        return requests

    # ---- the load mix ------------------------------------------------------------------------

    def next_call(self) -> Request:
        if self.queued:
            return self.queued.popleft()()
        choices = {kind: weight for kind, weight in self.weights.items() if self._possible(kind)}
        kind = self.rng.choices(list(choices), weights=list(choices.values()))[0]
        if kind == "update":
            return self._update()
        if kind == "start":
            return self._start()
        if kind == "meter_values":
            return self._meter_values()
        if kind == "status":
            return self._toggle_status()
        return Request.of("Heartbeat", {})

    def _charging(self) -> list[Evse]:
        return [evse for evse in self.evses if evse.transaction is not None]

    def _idle(self) -> list[Evse]:
        return [evse for evse in self.evses if evse.transaction is None]

    def _possible(self, kind: str) -> bool:
        if kind == "update":
            return bool(self._charging())
        if kind == "start":
            return any(evse.status == "Available" for evse in self._idle())
        if kind == "status":
            return bool(self._idle())
        return True

    def _start(self) -> Request:
        evse = self.rng.choice([e for e in self._idle() if e.status == "Available"])
        self.transactions_started += 1
        transaction_id = f"{self.transaction_prefix}-{self.transactions_started}"
        assert len(transaction_id) <= MAX_TRANSACTION_ID, transaction_id
        evse.transaction = Transaction(transaction_id, self.rng.randint(*UPDATES_PER_TRANSACTION))
        evse.status = "Occupied"
        self.queued.append(
            lambda: self._transaction_event(
                evse,
                "Started",
                "Authorized",
                {"chargingState": "Charging"},
                meter_value=self._meter_value(evse, "Transaction.Begin", power_w=0.0),
                with_token=True,
            )
        )
        self.queued.append(lambda: self._status(evse, "Occupied"))
        return Request.of("Authorize", {"idToken": self._token()})

    def _update(self) -> Request:
        evse = self.rng.choice(self._charging())
        assert evse.transaction is not None
        if evse.transaction.updates_left <= 0:
            request = self._ended(evse, "Local")
            self.queued.append(lambda: self._status(evse, "Available"))
            return request
        evse.transaction.updates_left -= 1
        power_w = self.rng.uniform(3_000, 22_000)
        evse.energy_wh += power_w * self.rng.uniform(30, 300) / 3600
        return self._transaction_event(
            evse,
            "Updated",
            "MeterValuePeriodic",
            {"chargingState": "Charging"},
            meter_value=self._meter_value(evse, "Sample.Periodic", power_w=power_w),
        )

    def _ended(self, evse: Evse, reason: str) -> Request:
        request = self._transaction_event(
            evse,
            "Ended",
            "StopAuthorized",
            {"chargingState": "EVConnected", "stoppedReason": reason},
            meter_value=self._meter_value(evse, "Transaction.End", power_w=0.0),
            with_token=True,
        )
        evse.transaction = None
        evse.status = "Available"
        return request

    def _meter_values(self) -> Request:
        evse = self.rng.choice(self.evses)
        power_w = self.rng.uniform(3_000, 22_000) if evse.transaction is not None else 0.0
        return Request.of(
            "MeterValues",
            {
                "evseId": evse.id,
                "meterValue": [self._meter_value(evse, "Sample.Clock", power_w=power_w)],
            },
        )

    def _toggle_status(self) -> Request:
        evse = self.rng.choice(self._idle())
        evse.status = "Unavailable" if evse.status == "Available" else "Available"
        return self._status(evse, evse.status)

    # ---- payload builders --------------------------------------------------------------------

    def _token(self) -> Payload:
        return {"idToken": self.id_token, "type": TOKEN_TYPE}

    def _status(self, evse: Evse, status: str) -> Request:
        return Request.of(
            "StatusNotification",
            {
                "timestamp": utc_now(),
                "connectorStatus": status,
                "evseId": evse.id,
                "connectorId": 1,
            },
        )

    def _meter_value(self, evse: Evse, context: str, *, power_w: float) -> Payload:
        return {
            "timestamp": utc_now(),
            "sampledValue": [
                {
                    "value": round(evse.energy_wh, 1),
                    "context": context,
                    "measurand": ENERGY,
                    "unitOfMeasure": {"unit": "Wh"},
                },
                {
                    "value": round(power_w, 1),
                    "context": context,
                    "measurand": POWER,
                    "unitOfMeasure": {"unit": "W"},
                },
            ],
        }

    def _transaction_event(
        self,
        evse: Evse,
        event_type: str,
        trigger: str,
        info: Payload,
        *,
        meter_value: Payload,
        with_token: bool = False,
    ) -> Request:
        transaction = evse.transaction
        assert transaction is not None
        payload: Payload = {
            "eventType": event_type,
            "timestamp": utc_now(),
            "triggerReason": trigger,
            "seqNo": transaction.seq_no,
            "transactionInfo": {"transactionId": transaction.transaction_id, **info},
            "evse": {"id": evse.id, "connectorId": 1},
            "meterValue": [meter_value],
        }
        if with_token:
            payload["idToken"] = self._token()
        transaction.seq_no += 1
        return Request.of("TransactionEvent", payload, f"TransactionEvent.{event_type}")
