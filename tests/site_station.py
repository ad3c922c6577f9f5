"""A simulated station for site load management tests, on the ``ocpp`` library's v201
``ChargePoint``: it starts and ends transactions and holds the TxProfiles it accepts, as a
station does (one per transaction, gone when the transaction ends).

Every station of a test shares one ``Ledger``: the limits the site's stations hold right
now, and the largest sum they ever reached, so a test can tell whether the CSMS ever let the
site's total exceed its limit on the way, not only once everything settled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result

from tests.simulator import SimStation


@dataclass
class Ledger:
    held: dict[tuple[str, str], float] = field(default_factory=dict)
    """(station, transactionId) -> the limit (A) of the TxProfile it holds."""
    peak: float = 0.0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def set(self, key: tuple[str, str], limit: float) -> None:
        self.held[key] = limit
        self.peak = max(self.peak, self.total())
        self.changed.set()

    def drop(self, key: tuple[str, str]) -> None:
        self.held.pop(key, None)
        self.changed.set()

    def total(self) -> float:
        return round(sum(self.held.values()), 1)

    def reset_peak(self) -> None:
        self.peak = self.total()

    async def until(self, wanted: dict[tuple[str, str], float], timeout: float = 15) -> None:
        """Wait until the held limits are exactly ``wanted``."""
        async with asyncio.timeout(timeout):
            while self.held != wanted:
                self.changed.clear()
                await self.changed.wait()


class SiteStation(SimStation):
    """Answers SetChargingProfile with ``answer`` (Accepted unless a test says otherwise)
    and records each accepted TxProfile in the shared ledger."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ledger = Ledger()  # a test gives all its stations one
        self.answer = "Accepted"
        self.running: dict[int, str] = {}  # evseId -> transactionId
        self.profiles: list[dict[str, Any]] = []  # every SetChargingProfile received
        self._seq: dict[str, int] = {}

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **kw: Any
    ) -> Any:
        self.profiles.append({"evseId": evse_id, **charging_profile})
        if self.answer != "Accepted":
            return call_result.SetChargingProfile(status=self.answer)
        tx = charging_profile.get("transaction_id")
        if self.running.get(evse_id) != tx or tx is None:
            return call_result.SetChargingProfile(status="Rejected")  # K01.FR.09
        period = charging_profile["charging_schedule"][0]["charging_schedule_period"][0]
        self.ledger.set((self.id, tx), float(period["limit"]))
        return call_result.SetChargingProfile(status="Accepted")

    async def start_transaction(self, tx: str, evse: int = 1) -> None:
        """A transaction on an EVSE that runs one already: the old one ended unheard of
        (as after a reset), and its profile went with it."""
        if evse in self.running:
            self.ledger.drop((self.id, self.running[evse]))
        self.running[evse] = tx
        self._seq[tx] = 0
        await self.transaction_event("Started", tx, 0, "CablePluggedIn", evse=evse)

    async def end_transaction(self, tx: str) -> None:
        evse = next(e for e, t in self.running.items() if t == tx)
        del self.running[evse]
        self.ledger.drop((self.id, tx))
        self._seq[tx] += 1
        await self.transaction_event(
            "Ended",
            tx,
            self._seq[tx],
            "EVCommunicationLost",
            evse=evse,
            stopped_reason="EVDisconnected",
        )
