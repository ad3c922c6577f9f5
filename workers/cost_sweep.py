"""The CostUpdated sweep (I02, "at a configurable interval"): every COST_UPDATE_INTERVAL
each worker wakes up; the first to claim the period (``store/cost_updates.py``) reads the
running transactions under a tariff and sends CostUpdated to those of connected stations
that had none for an interval, with their cost at now: the last energy reading and the
time since the start (``shared/cost_schedule.py`` decides). A station that sends no
Updated events still sees its cost, and a price per minute advances between readings.

Each CostUpdated is claimed per transaction and period before it is sent, as the
follow-up of a station's Updated event does (``handlers/tariff_cost/cost_updates.py``),
so two workers never both send one transaction's in one period. Sent without waiting for
the answer; a station that does not answer is asked again next time it is due. A worker
that dies mid-sweep leaves the rest to the next period's sweep.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import cost_schedule
from shared.commands import CommandClient
from shared.config import Settings
from shared.events import utc_now
from store import cost_updates, presence, transactions

from .handlers.tariff_cost.cost_updates import ACTION
from .handlers.tariff_cost.pricing import as_number

log = logging.getLogger("workers.cost_sweep")

BY_SWEEP = "sweep"


class CostSweep:
    def __init__(self, db: AsyncDatabase[Any], client: CommandClient, settings: Settings) -> None:
        self._db = db
        self._client = client
        self._settings = settings
        self._me = f"{socket.gethostname()}/{os.getpid()}"

    async def run(self) -> None:
        """Sweep every COST_UPDATE_INTERVAL until cancelled (never when it is 0)."""
        interval = self._settings.cost_update_interval
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            try:
                sent = await self.sweep()
            except Exception as exc:
                log.error("cost update sweep failed", extra={"error": repr(exc)[:300]})
                continue
            if sent:
                log.info("running costs sent", extra={"transactions": sent})

    async def sweep(self) -> int:
        """One pass, if no other worker swept this period; returns how many were sent."""
        interval = self._settings.cost_update_interval
        now = utc_now()
        period = cost_schedule.period(now, interval)
        if not await cost_updates.claim_sweep(self._db, period, now, self._me):
            return 0
        running = await transactions.running_priced(self._db)
        if not running:
            return 0
        connected = set(await presence.online(self._db))
        last = await cost_updates.sent_lately(self._db, period)
        sent = 0
        for due in cost_schedule.due_now(running, last, connected, now, interval):
            if not await cost_updates.claim(
                self._db, due.station, due.transaction_id, period, now, due.total, BY_SWEEP
            ):
                continue  # the station's Updated event was faster
            await self._client.send(
                due.station,
                ACTION,
                {"totalCost": as_number(due.total), "transactionId": due.transaction_id},
                timeout=self._settings.command_timeout,
                wait=False,
            )
            sent += 1
        return sent
