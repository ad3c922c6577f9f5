"""The sites queue's consumer: which site an event concerns, and one recomputation per
site at a time.

``ocpp.sites`` has a single active consumer, so one worker recomputes sites at a time and
the others stand by; RabbitMQ hands the queue (and what was not acked) to another worker
when that one goes. Within the worker, events for one site arriving while it is being
recomputed are answered by the next recomputation, which starts once the current one
ends: the site's state is read afresh then, so a recomputation never misses an event it
was started for. An event is acked only after a recomputation that started after it
finished, so a worker dying on the way loses nothing.

An energy manager's limits (``site.limit`` messages on ``ocpp.site-limits``, bound into the
queue) are applied here, in order with the site's events: stored as the API stores them, then
the site is recomputed, then ``site.changed`` (``by: bus``) tells the sender it was taken,
and only then is the message acked. A message that cannot be applied (not JSON, an unknown
site, an invalid limit) is logged and dropped, since sending it again cannot help; a busy
store gives it back to the queue. Limits for one site are written one at a time, in the
order they arrived; the API writes the same document, and the last write wins.

The sweep runs in every worker: sites whose allocation is due again (an external limit
ended, a refused profile to retry) or older than the site's definition or limit (the
``site.changed`` event of the API was lost) get a ``site.changed`` event of their own.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
from aio_pika.abc import AbstractIncomingMessage
from pymongo.asynchronous.database import AsyncDatabase

from shared import names, site_limits
from shared.events import EventPublisher, utc_now
from shared.logs import Limited
from store import sites
from store.errors import is_transient

from .site_driver import SiteDriver

log = logging.getLogger("workers.sites")
limited = Limited(log)  # what an energy manager can make us log, capped per site
UNKNOWN_SITE = "unknown site"  # one cap for every site id nobody defined: they cost nothing

RETRY_DELAY = 1.0


@dataclass
class _Site:
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)
    resend: set[tuple[str, int]] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


@dataclass
class _Writer:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class SiteQueue:
    def __init__(self, db: AsyncDatabase[Any], driver: SiteDriver, events: EventPublisher) -> None:
        self._db = db
        self._driver = driver
        self._events = events
        self._sites: dict[str, _Site] = {}
        self._writers: dict[str, _Writer] = {}

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        # Acted on only if RabbitMQ delivered it from the energy managers' exchange, the one
        # they may write to: a site.limit on ocpp.events is just an event.
        if message.exchange == names.SITE_LIMITS_EXCHANGE:
            await self._on_limit(message)
            return
        try:
            event = orjson.loads(message.body)
            reason = str(event.get("event", ""))
        except (orjson.JSONDecodeError, AttributeError):
            log.error("dropped a site event that is not a JSON object")
            await message.ack()
            return
        try:
            if reason == names.EVENT_CHARGING_SCHEDULE and not event.get("renegotiate"):
                await message.ack()  # an EV schedule within its limits changes nothing here
                return
            site_id = event.get("site") if reason == names.EVENT_SITE_CHANGED else None
            if site_id is None and "station" in event:
                site_id = await sites.site_of(self._db, event["station"])
            if site_id is not None:
                await self.recompute(site_id, reason, resend_to(event))
        except Exception as exc:
            if is_transient(exc):
                log.error(
                    "store busy or unavailable; site event will be retried",
                    extra={"error": repr(exc)[:300], "event": reason},
                )
                await asyncio.sleep(RETRY_DELAY)
                await message.nack(requeue=True)
                return
            log.exception("could not recompute a site", extra={"event": reason})
        await message.ack()

    async def _on_limit(self, message: AbstractIncomingMessage) -> None:
        try:
            if message.type != names.TYPE_SITE_LIMIT:
                raise site_limits.InvalidLimit(f"the AMQP type must be {names.TYPE_SITE_LIMIT}")
            site_id, rest = site_limits.read_message(message.body)
        except site_limits.InvalidLimit as exc:
            limited.warning("site limit dropped", about=UNKNOWN_SITE, error=str(exc))
            await message.ack()
            return
        try:
            cause = await self._apply_limit(site_id, rest)
            if cause is not None:
                await self.recompute(site_id, names.TYPE_SITE_LIMIT)
                await self._events.publish(
                    names.EVENT_SITE_CHANGED, site_id, subject="site", cause=cause, by=names.BY_BUS
                )
        except Exception as exc:
            if is_transient(exc):
                log.error(
                    "store busy or unavailable; site limit will be retried",
                    extra={"error": repr(exc)[:300], "site": site_id},
                )
                await asyncio.sleep(RETRY_DELAY)
                await message.nack(requeue=True)
                return
            log.exception("could not apply a site limit", extra={"site": site_id})
        await message.ack()

    async def _apply_limit(self, site_id: str, rest: dict[str, Any]) -> str | None:
        """Store the limit as the API does; the ``site.changed`` cause, or None if dropped."""
        writer = self._writers.setdefault(site_id, _Writer())
        writer.users += 1
        try:
            async with writer.lock:  # FIFO: limits for one site are stored in arrival order
                if await sites.get(self._db, site_id) is None:
                    limited.warning(
                        "site limit for an unknown site", about=UNKNOWN_SITE, site=site_id
                    )
                    return None
                now = utc_now()
                try:
                    fields = site_limits.message_fields(rest, now)
                except site_limits.InvalidLimit as exc:
                    limited.warning(
                        "invalid site limit",
                        about=f"site {site_id}",
                        site=site_id,
                        error=str(exc),
                        detail=exc.detail,
                    )
                    return None
                if fields is None:
                    await sites.delete_limit(self._db, site_id)
                    return names.CAUSE_LIMIT_CLEARED
                await sites.put_limit(self._db, site_id, {**fields, "updatedAt": now})
                return names.CAUSE_LIMIT_SET
        finally:
            writer.users -= 1
            if writer.users == 0:
                self._writers.pop(site_id, None)

    async def recompute(
        self, site_id: str, reason: str, resend: tuple[str, int] | None = None
    ) -> None:
        """Return once a recomputation of the site that started after this call finished;
        ``resend``: an EVSE whose transaction gets its limit sent even if unchanged."""
        state = self._sites.setdefault(site_id, _Site())
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.waiters.append(waiter)
        state.reasons.add(reason)
        if resend is not None:
            state.resend.add(resend)
        if state.task is None:
            state.task = asyncio.create_task(self._run(site_id, state))
        await waiter

    async def _run(self, site_id: str, state: _Site) -> None:
        try:
            while state.waiters:
                waiters, state.waiters = state.waiters, []
                reasons, state.reasons = state.reasons, set()
                resend, state.resend = state.resend, set()
                try:
                    await self._driver.recompute(site_id, reasons, resend)
                except Exception as exc:
                    for waiter in waiters:
                        waiter.set_exception(exc)
                else:
                    for waiter in waiters:
                        waiter.set_result(None)
        finally:
            state.task = None
            if not state.waiters:
                self._sites.pop(site_id, None)


def resend_to(event: dict[str, Any]) -> tuple[str, int] | None:
    """The EVSE whose transaction must get its profile again, even if unchanged: after the
    EV's needs (K15/K17: the station waits for a SetChargingProfile to give the EV its
    schedule) and after an EV schedule answered Rejected (K16: a new SetChargingProfile
    makes the station renegotiate with the EV)."""
    if event.get("event") == names.EVENT_CHARGING_NEEDS or event.get("renegotiate"):
        if isinstance(event.get("station"), str) and isinstance(event.get("evseId"), int):
            return (event["station"], event["evseId"])
    return None


async def sweep(db: AsyncDatabase[Any], events: EventPublisher) -> int:
    """Publish ``site.changed`` for every site due a recomputation; returns how many."""
    now = utc_now()
    allocated = {doc["_id"]: doc for doc in await sites.allocations(db)}
    limits = await sites.limit_versions(db)
    due = 0
    for site_id, updated_at in (await sites.versions(db)).items():
        allocation = allocated.get(site_id)
        stale = (
            allocation is None
            or allocation.get("siteUpdatedAt") != updated_at
            or allocation.get("limitUpdatedAt") != limits.get(site_id)
            or (allocation.get("recheckAt") is not None and allocation["recheckAt"] <= now)
        )
        if stale:
            due += 1
            await events.publish(names.EVENT_SITE_CHANGED, site_id, subject="site", cause="sweep")
    return due


async def sweep_forever(db: AsyncDatabase[Any], events: EventPublisher, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            due = await sweep(db, events)
        except Exception as exc:
            log.error("site sweep failed", extra={"error": repr(exc)[:300]})
            continue
        if due:
            log.info("sites due a recomputation", extra={"sites": due})
