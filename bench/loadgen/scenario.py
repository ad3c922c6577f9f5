"""What one simulated station sends: pure state, no I/O, so ``--selftest`` can replay it.

A station has ``evses`` EVSEs with one connector each and an import energy register per EVSE.
It boots, reports every connector Available, then each paced slot asks :meth:`Scenario.next_call`
for one request. Multi-step flows are queued and sent on the following slots, so the offered
rate stays exactly what was asked for:

* start a transaction (E03, authorize first): Authorize, the start (2.0.1: TransactionEvent
  Started, seqNo 0, idToken, start meter value; 1.6: StartTransaction), StatusNotification
  Occupied (1.6: Charging);
* on a charging EVSE: an update (2.0.1: TransactionEvent Updated, MeterValuePeriodic, seqNo + 1,
  energy and power; 1.6: MeterValues with the transactionId) a few times, then the end
  (2.0.1: TransactionEvent Ended, StopAuthorized, Local; 1.6: StopTransaction, Local) and
  StatusNotification Available;
* Heartbeat, MeterValues for an EVSE, and an idle EVSE toggling Available <-> Unavailable.

The flow is the same in every version; how each step is said is the version's
:class:`~.calls.Dialect` (``ocpp201``, which 2.1 shares, and ``ocpp16``).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from shared import names

from .calls import Dialect, Evse, Request, Transaction
from .ocpp16 import Ocpp16
from .ocpp201 import Ocpp201

MAX_TRANSACTION_ID = 36  # identifierString(36)

# Relative weights of what an idle slot turns into; a choice that does not apply right now
# (no charging EVSE to update, no free EVSE to start on) is left out of the draw.
WEIGHTS = {
    "update": 50,  # the transaction's update, or its end, on a charging EVSE
    "start": 12,  # Authorize + the start + StatusNotification Occupied
    "heartbeat": 15,
    "meter_values": 15,
    "status": 8,  # an idle EVSE goes Unavailable or back to Available
}
# ``--mix heartbeat`` keeps only the call that writes nothing to the store (lastSeen is kept in
# worker memory): what is left is the pipeline itself, gateway -> RabbitMQ -> worker -> reply,
# plus one ``_id`` read of the boot state. It measures the ceiling the store cannot lower.
MIXES = {"fleet": WEIGHTS, "heartbeat": {"heartbeat": 1}}
UPDATES_PER_TRANSACTION = (3, 12)

# The versions a station can speak, in the order ``--ocpp-version mixed`` deals them.
DIALECTS: dict[str, Dialect] = {
    names.OCPP16: Ocpp16(),
    names.OCPP201: Ocpp201(),
    names.OCPP21: Ocpp201(version=names.OCPP21),
}


@dataclass(slots=True)
class Scenario:
    station_id: str
    transaction_prefix: str  # unique per station and run
    id_token: str
    rng: random.Random
    dialect: Dialect = DIALECTS[names.OCPP201]
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
        version: str = names.OCPP201,
    ) -> Scenario:
        scenario = cls(
            station_id,
            transaction_prefix,
            id_token,
            rng,
            dialect=DIALECTS[version],
            weights=MIXES[mix],
        )
        scenario.evses = [Evse(i, rng.uniform(1e5, 5e6)) for i in range(1, evses + 1)]
        return scenario

    # ---- setup and teardown ------------------------------------------------------------------

    def boot(self) -> Request:
        return self.dialect.boot(self.station_id)

    def initial_status(self) -> list[Request]:
        return [self.dialect.status(evse, evse.status) for evse in self.evses]

    def teardown(self) -> list[Request]:
        """End what is still charging, so a run leaves no open transactions behind."""
        self.queued.clear()
        requests: list[Request] = []
        for evse in self.evses:
            if evse.transaction is None:
                continue
            if not evse.transaction.opened:  # the CSMS never heard of it: nothing to end
                evse.transaction = None
                evse.status = "Available"
                continue
            requests.append(self._ended(evse, "Local"))
            requests.append(self.dialect.status(evse, "Available"))
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
        transaction_id = None
        if self.dialect.names_transactions:
            transaction_id = f"{self.transaction_prefix}-{self.transactions_started}"
            assert len(transaction_id) <= MAX_TRANSACTION_ID, transaction_id
        evse.transaction = Transaction(transaction_id, self.rng.randint(*UPDATES_PER_TRANSACTION))
        evse.status = "Occupied"
        self.queued.append(lambda: self.dialect.started(evse, self.id_token))
        self.queued.append(lambda: self.dialect.status(evse, "Occupied"))
        return self.dialect.authorize(self.id_token)

    def _update(self) -> Request:
        evse = self.rng.choice(self._charging())
        transaction = evse.transaction
        assert transaction is not None
        if not transaction.opened:  # 1.6: StartTransaction got no transactionId: give it up
            evse.transaction = None
            evse.status = "Available"
            return self.dialect.status(evse, "Available")
        if transaction.updates_left <= 0:
            request = self._ended(evse, "Local")
            self.queued.append(lambda: self.dialect.status(evse, "Available"))
            return request
        transaction.updates_left -= 1
        power_w = self.rng.uniform(3_000, 22_000)
        evse.energy_wh += power_w * self.rng.uniform(30, 300) / 3600
        return self.dialect.updated(evse, power_w)

    def _ended(self, evse: Evse, reason: str) -> Request:
        request = self.dialect.ended(evse, reason, self.id_token)
        evse.transaction = None
        evse.status = "Available"
        return request

    def _meter_values(self) -> Request:
        evse = self.rng.choice(self.evses)
        power_w = self.rng.uniform(3_000, 22_000) if evse.transaction is not None else 0.0
        return self.dialect.meter_values(evse, power_w)

    def _toggle_status(self) -> Request:
        evse = self.rng.choice(self._idle())
        evse.status = "Unavailable" if evse.status == "Available" else "Available"
        return self.dialect.status(evse, evse.status)
