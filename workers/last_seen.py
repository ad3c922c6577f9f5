"""When each station was last heard from, written in batches off the reply path.

Every inbound message proves its station alive, but writing that per message would double the
store writes of a fleet. A worker notes the moment in memory and a background task writes what
is due in one bulk write each tick: a station this worker has not written yet at once (so an
operator sees a fresh station within a second), then at most once per
``WORKER_LAST_SEEN_SECONDS``. ``$max`` keeps the newest moment when several workers write the
same station. Measured on FerretDB, the former inline write per station every 10 s was the
largest steady write load of a heartbeat-only fleet.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from store import station_state
from store.errors import is_transient

log = logging.getLogger("workers.last_seen")

TICK_SECONDS = 1.0
MAX_REMEMBERED = 200_000  # stations whose last write time is kept; beyond, forget them all


class LastSeen:
    def __init__(self, db: AsyncDatabase[Any], every: float, tick: float = TICK_SECONDS):
        self.db = db
        self.every = every
        self.tick = tick
        self._pending: dict[str, datetime] = {}
        self._written: dict[str, float] = {}  # station -> monotonic time of its last write

    def note(self, station: str, at: datetime) -> None:
        self._pending[station] = at

    def due(self, now: float) -> dict[str, datetime]:
        """Take the sightings whose station was not written within ``every`` seconds."""
        due = {
            station: at
            for station, at in self._pending.items()
            if now - self._written.get(station, -math.inf) >= self.every
        }
        if len(self._written) + len(due) > MAX_REMEMBERED:
            self._written.clear()
        for station in due:
            del self._pending[station]
            self._written[station] = now
        return due

    async def flush(self, *, everything: bool = False) -> int:
        """Write what is due (everything pending when stopping); how many were written."""
        batch = self.due(math.inf if everything else time.monotonic())
        if not batch:
            return 0
        try:
            await station_state.seen_many(self.db, batch)
        except BaseException as exc:  # cancelled mid-write too: stop() writes them again
            self._give_back(batch)
            if not isinstance(exc, Exception):
                raise
            level = logging.WARNING if is_transient(exc) else logging.ERROR
            log.log(level, "lastSeen write failed; will retry", extra={"error": repr(exc)[:300]})
            return 0
        return len(batch)

    def _give_back(self, batch: dict[str, datetime]) -> None:
        """Unwritten sightings return to pending, the newest moment kept."""
        for station, at in batch.items():
            self._written.pop(station, None)
            if station not in self._pending or self._pending[station] < at:
                self._pending[station] = at

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            await self.flush()
