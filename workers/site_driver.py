"""Recompute one site's allocation and send each running transaction its limit.

Run for a site by one worker at a time (``workers/sites.py``: the sites queue has a single
active consumer, and within it one recomputation per site runs at once), so this module is
the only writer of the site's ``site_allocations`` document.

The order of sending keeps the site within its limit on the way (``split``): first the
limits that lower a current, in parallel; once all were accepted, those of transactions
holding none of ours yet; then the increases. A station that rejects a profile, or does not answer,
is counted at its EVSE maximum from then on and the allocation is computed again (at most
``ROUNDS`` times), so the others make room for it. Such a station is tried again every
``SITE_RETRY_SECONDS``, alone and with a limit no higher than what it is counted at.

An EVSE named in ``resend`` (its EV reported its needs, or its schedule was answered
Rejected) has its transaction's limit sent even when it did not change, with the last batch:
ISO 15118 stations wait for a SetChargingProfile to hand the EV its schedule (K15, K17), and
a new one makes them renegotiate (K16). A refused one is retried then rather than later.

Before a batch is sent, its entries are stored as ``Sending``: a worker that dies before
it knows the answers leaves them unknown, and the next recomputation sends them again first.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import commands, names, site_inputs
from shared.charging_profiles import csms_tx_profile
from shared.commands import CommandClient
from shared.config import Settings
from shared.events import iso, utc_now
from shared.logs import Limited
from shared.site_allocation import Allocation, Key, Limit, allocate, changes
from store import charging_limits, sites, transactions
from store import commands as command_store

from .outbox import Outbox

log = logging.getLogger("workers.sites")
limited = Limited(log)  # what a station's refusals can make us log, capped per station

ROUNDS = 3
"""Recomputations after refusals before giving up until the next trigger or retry."""


ACCEPTED = names.SITE_LIMIT_ACCEPTED
REJECTED = names.SITE_LIMIT_REJECTED
NOT_DELIVERED = names.SITE_LIMIT_NOT_DELIVERED
SENDING = names.SITE_LIMIT_SENDING
REFUSED = names.SITE_LIMIT_REFUSED


def tx_profile(limit: Limit, stack_level: int, phases: int) -> dict[str, Any]:
    """SetChargingProfile for one transaction: a TxProfile in A, one period from its start."""
    return csms_tx_profile(
        limit.evse_id,
        limit.transaction_id,
        stack_level,
        "A",
        {"startPeriod": 0, "limit": limit.limit, "numberPhases": phases},
    )


def previous_allocation(entries: dict[Key, dict[str, Any]]) -> Allocation:
    """What the stations hold as far as we know: entries being sent are unknown (left out,
    so ``changes`` sends them again), refused ones are counted at their EVSE maximum."""
    return Allocation(
        effective_limit=0.0,
        limits=tuple(
            Limit(
                station_id=e["stationId"],
                evse_id=e["evseId"],
                transaction_id=e["transactionId"],
                limit=e["limit"],
                counted_at_max=e["status"] in REFUSED,
            )
            for e in entries.values()
            if e["status"] != SENDING
        ),
    )


def split(
    todo: list[Limit], previous: dict[Key, Limit]
) -> tuple[list[Limit], list[Limit], list[Limit]]:
    """The limits to send in three batches, each once the one before was accepted:
    decreases, then transactions holding no limit of ours yet (new ones, refused ones now
    trusted), then increases. So the limits the stations hold never add up to more than the
    site's limit, even for a moment; a new transaction draws what its station allows until
    its limit arrives, one round trip after the decreases."""
    decreases: list[Limit] = []
    new: list[Limit] = []
    increases: list[Limit] = []
    for limit in todo:
        old = previous.get(limit.key)
        if old is None or old.counted_at_max:
            new.append(limit)
        elif limit.limit < old.limit:
            decreases.append(limit)
        else:
            increases.append(limit)
    return decreases, new, increases


def recheck_at(
    entries: dict[Key, dict[str, Any]], limit: dict[str, Any] | None, now: datetime, retry: float
) -> datetime | None:
    """When the site must be recomputed without a new event: its external limit ends, or
    a refused profile is due another try."""
    moments = [
        e["sentAt"] + timedelta(seconds=retry) for e in entries.values() if e["status"] in REFUSED
    ]
    if limit is not None and limit.get("until") is not None and limit["until"] > now:
        moments.append(limit["until"])
    return min(moments) if moments else None


class SiteDriver:
    def __init__(
        self,
        db: AsyncDatabase[Any],
        client: CommandClient,
        outbox: Outbox,
        settings: Settings,
    ) -> None:
        self._db = db
        self._client = client
        self._outbox = outbox
        self._settings = settings

    async def recompute(
        self, site_id: str, reasons: set[str], resend: set[tuple[str, int]] | None = None
    ) -> None:
        site_doc = await sites.get(self._db, site_id)
        old = await sites.get_allocation(self._db, site_id)
        if site_doc is None:
            if old is not None:
                await sites.delete_allocation(self._db, site_id)
                revision = old.get("revision", 0) + 1
                await self._publish(site_id, revision, utc_now(), None, [], reasons)
            return
        run = _Run(self, site_id, site_doc, await sites.get_limit(self._db, site_id), old)
        run.resend = set(resend or ())
        await run.load()
        await run.retry_refused()
        await run.rounds()
        await run.save(reasons)

    async def send(self, site_id: str, limit: Limit, phases: int) -> tuple[str, str]:
        """One SetChargingProfile; returns (status, commandId)."""
        payload = tx_profile(limit, self._settings.site_profile_stack_level, phases)
        command_id = commands.new_command_id()
        await command_store.record_pending(
            self._db, command_id, limit.station_id, "SetChargingProfile", payload, "site"
        )
        result = await self._client.send(
            limit.station_id,
            "SetChargingProfile",
            payload,
            timeout=self._settings.command_timeout,
            command_id=command_id,
        )
        assert result is not None
        if result.status != commands.ANSWERED:
            status = NOT_DELIVERED
        else:
            status = ACCEPTED if (result.response or {}).get("status") == "Accepted" else REJECTED
        if status != ACCEPTED:
            limited.warning(
                "a station did not take its site limit; counted at its EVSE maximum",
                about=limit.station_id,
                site=site_id,
                station=limit.station_id,
                transactionId=limit.transaction_id,
                limit=limit.limit,
                outcome=result.status,
                answer=(result.response or {}).get("status"),
            )
        return status, command_id

    async def _publish(
        self,
        site_id: str,
        revision: int,
        at: datetime,
        effective: float | None,
        entries: list[dict[str, Any]],
        reasons: set[str],
    ) -> None:
        # The event id names the revision and when it was computed: a site deleted and
        # defined again counts its revisions from 1 again, and must not repeat an id.
        await self._outbox.publish(
            names.EVENT_SITE_ALLOCATION_CHANGED,
            site_id,
            f"{revision}/{iso(at)}",
            {
                "siteId": site_id,
                "revision": revision,
                "effectiveLimit": effective,
                "allocations": [sites.entry_view(e) for e in entries],
                "reasons": sorted(reasons),
            },
            subject="site",
        )


class _Run:
    """One recomputation of one site: what it read, and the entries as they change."""

    def __init__(
        self,
        driver: SiteDriver,
        site_id: str,
        doc: dict[str, Any],
        limit: dict[str, Any] | None,
        old: dict[str, Any] | None,
    ) -> None:
        self.driver = driver
        self.site_id = site_id
        self.doc = doc
        self.limit = limit
        self.old = old or {}
        self.now = utc_now()
        self.site = site_inputs.site(doc, limit)
        self.phases = doc.get("phases", site_inputs.DEFAULT_PHASES)
        self.voltage = doc.get("voltage", site_inputs.DEFAULT_VOLTAGE)
        self.evse_max = doc.get("evseMaxCurrent") or driver._settings.site_evse_max_current
        self.entries: dict[Key, dict[str, Any]] = {}
        self.effective = 0.0
        self._running: list[dict[str, Any]] = []
        self.superseded: set[Key] = set()
        self._needs: list[dict[str, Any]] = []
        self._limits: dict[tuple[str, int], float] = {}
        self.resend: set[tuple[str, int]] = set()
        """(station, evseId): send its transaction's limit even if unchanged."""

    async def load(self) -> None:
        db, stations = self.driver._db, self.doc["stations"]
        if stations:
            self._running = await self._current(await transactions.running_on(db, stations))
            self._needs = await charging_limits.needs_of(db, stations)
            self._limits = site_inputs.station_limits(
                await charging_limits.active_limits_of(db, stations),
                self.now,
                self.phases,
                self.voltage,
            )
        counted = site_inputs.transactions(self._running, [], {}, set(), self.evse_max)
        keys = {(t.station_id, t.transaction_id) for t in counted}
        for e in self.old.get("limits", []):
            key = (e["stationId"], e["transactionId"])
            if key in keys:  # ended (or superseded on their EVSE) transactions drop out
                self.entries[key] = e

    async def _current(self, running: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The running transactions that are their EVSE's latest: one that another started
        after on the same EVSE ended without the CSMS hearing of it (a station reset, a lost
        ``Ended``), even if that later one has ended too. Found once by reading what started
        since the oldest candidate, then remembered in the allocation (``superseded``), so a
        months-old one does not make every recomputation read months of transactions."""
        known = {(k["stationId"], k["transactionId"]) for k in self.old.get("superseded", [])}
        candidates = [t for t in running if (t["station"], t["transactionId"]) not in known]
        self.superseded = {
            (t["station"], t["transactionId"])
            for t in running
            if (t["station"], t["transactionId"]) in known
        }
        if not candidates:
            return []
        since = min(t["startedAt"] for t in candidates)
        later = await transactions.started_since(self.driver._db, self.doc["stations"], since)
        latest = site_inputs.latest_per_evse(later)
        current = []
        for t in candidates:
            newest = latest.get((t["station"], t["evseId"])) if t.get("evseId") else None
            if newest is not None and newest["transactionId"] != t["transactionId"]:
                self.superseded.add((t["station"], t["transactionId"]))
            else:
                current.append(t)
        return current

    def _allocation(self, also_trusted: Key | None = None) -> Allocation:
        refused = {k for k, e in self.entries.items() if e["status"] in REFUSED}
        if also_trusted is not None:
            refused.discard(also_trusted)
        txs = site_inputs.transactions(
            self._running,
            self._needs,
            self._limits,
            refused,
            self.evse_max,
            self.phases,
            self.voltage,
            self.now,
        )
        allocation = allocate(self.site, txs, self.now)
        self.effective = allocation.effective_limit
        return allocation

    async def retry_refused(self) -> None:
        """Each refused transaction due a retry is offered its share as if it were trusted,
        the others left as they are. All at once: each is offered at most the EVSE maximum
        it is counted at, so the site stays within its limit whoever accepts."""
        retry = timedelta(seconds=self.driver._settings.site_retry_seconds)
        due = [
            key
            for key, entry in self.entries.items()
            if entry["status"] in REFUSED
            and (
                self.now - entry["sentAt"] >= retry
                or (entry["stationId"], entry["evseId"]) in self.resend
            )
        ]
        trials = [self._allocation(also_trusted=key).by_key()[key] for key in due]
        self.resend -= {(t.station_id, t.evse_id) for t in trials}
        await self._send(trials)

    async def rounds(self) -> None:
        for _ in range(ROUNDS):
            allocation = self._allocation()
            for limit in allocation.limits:  # what refused ones are counted at, for the view
                if limit.counted_at_max:
                    self.entries[limit.key]["countedAt"] = limit.limit
            todo = changes(previous_allocation(self.entries), allocation)
            todo += self._unchanged_to_resend(allocation, todo)
            if not todo:
                return
            previous = previous_allocation(self.entries).by_key()
            decreases, new, increases = split(todo, previous)
            if (
                await self._send(decreases)
                and await self._send(new)
                and await self._send(increases)
            ):
                return
        log.error(
            "site allocation still refused after several rounds; retried later",
            extra={"site": self.site_id, "rounds": ROUNDS},
        )

    def _unchanged_to_resend(self, allocation: Allocation, todo: list[Limit]) -> list[Limit]:
        """The limits of ``resend``'s transactions that ``todo`` does not send anyway; they
        go with the increases, which they do not add to."""
        if not self.resend:
            return []
        sending = {limit.key for limit in todo}
        again = [
            limit
            for limit in allocation.limits
            if (limit.station_id, limit.evse_id) in self.resend
            and not limit.counted_at_max
            and limit.key not in sending
        ]
        self.resend = set()
        return again

    async def _send(self, limits: list[Limit]) -> bool:
        """Send ``limits`` together; True if every station accepted."""
        if not limits:
            return True
        for limit in limits:
            self.entries[limit.key] = {
                "stationId": limit.station_id,
                "evseId": limit.evse_id,
                "transactionId": limit.transaction_id,
                "limit": limit.limit,
                "status": SENDING,
                "sentAt": utc_now(),
                "commandId": None,
            }
        await self._store()
        outcomes = await asyncio.gather(
            *(self.driver.send(self.site_id, limit, self.phases) for limit in limits)
        )
        for limit, (status, command_id) in zip(limits, outcomes, strict=True):
            entry = self.entries[limit.key]
            entry["status"], entry["commandId"] = status, command_id
            entry["countedAt"] = self.evse_max if status in REFUSED else None
        await self._store()
        return all(status == ACCEPTED for status, _ in outcomes)

    def _ordered(self) -> list[dict[str, Any]]:
        started = {(t["station"], t["transactionId"]): t["startedAt"] for t in self._running}
        return sorted(
            self.entries.values(),
            key=lambda e: (started.get((e["stationId"], e["transactionId"])), e["transactionId"]),
        )

    async def _store(self) -> None:
        await sites.put_allocation(
            self.driver._db,
            self.site_id,
            {
                "revision": self.old.get("revision", 0),
                "effectiveLimit": self.effective,
                "computedAt": self.now,
                "siteUpdatedAt": self.doc.get("updatedAt"),
                "limitUpdatedAt": None if self.limit is None else self.limit.get("updatedAt"),
                "recheckAt": recheck_at(
                    self.entries, self.limit, self.now, self.driver._settings.site_retry_seconds
                ),
                "limits": self._ordered(),
                # Objects, not pairs: FerretDB v1 stores no array in an array.
                "superseded": [
                    {"stationId": station, "transactionId": tx}
                    for station, tx in sorted(self.superseded)
                ],
            },
        )

    async def save(self, reasons: set[str]) -> None:
        """Store the outcome; publish it when a limit, a status or the site's limit moved."""
        if not self.entries and not self._running:
            self._allocation()  # the effective limit, for a site with nothing running
        before = _summary(self.old.get("limits", []), self.old.get("effectiveLimit"))
        after = _summary(list(self.entries.values()), self.effective)
        changed = before != after
        if changed:
            self.old["revision"] = self.old.get("revision", 0) + 1
        await self._store()
        if changed:
            log.info(
                "site allocation changed",
                extra={
                    "site": self.site_id,
                    "effectiveLimit": self.effective,
                    "transactions": len(self.entries),
                    "reasons": sorted(reasons),
                },
            )
            await self.driver._publish(
                self.site_id,
                self.old["revision"],
                self.now,
                self.effective,
                self._ordered(),
                reasons,
            )


def _summary(entries: list[dict[str, Any]], effective: float | None) -> tuple[Any, ...]:
    return (
        effective,
        sorted((e["stationId"], e["transactionId"], e["limit"], e["status"]) for e in entries),
    )
