"""The sites queue's consumer: which site an event concerns, and one recomputation per
site at a time.

``ocpp.sites`` has a single active consumer, so one worker recomputes sites at a time and
the others stand by; RabbitMQ hands the queue (and what was not acked) to another worker
when that one goes. Within the worker, events for one site arriving while it is being
recomputed are answered by the next recomputation, which starts once the current one
ends: the site's state is read afresh then, so a recomputation never misses an event it
was started for. An event is acked only after a recomputation that started after it
finished, so a worker dying on the way loses nothing.

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

from shared import names
from shared.events import EventPublisher, utc_now
from store import sites
from store.errors import is_transient

from .site_driver import SiteDriver

log = logging.getLogger("workers.sites")

RETRY_DELAY = 1.0


@dataclass
class _Site:
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


class SiteQueue:
    def __init__(self, db: AsyncDatabase[Any], driver: SiteDriver) -> None:
        self._db = db
        self._driver = driver
        self._sites: dict[str, _Site] = {}

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        event = orjson.loads(message.body)
        reason = str(event.get("event", ""))
        try:
            site_id = event.get("site") if reason == names.EVENT_SITE_CHANGED else None
            if site_id is None and "station" in event:
                site_id = await sites.site_of(self._db, event["station"])
            if site_id is not None:
                await self.recompute(site_id, reason)
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

    async def recompute(self, site_id: str, reason: str) -> None:
        """Return once a recomputation of the site that started after this call finished."""
        state = self._sites.setdefault(site_id, _Site())
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.waiters.append(waiter)
        state.reasons.add(reason)
        if state.task is None:
            state.task = asyncio.create_task(self._run(site_id, state))
        await waiter

    async def _run(self, site_id: str, state: _Site) -> None:
        try:
            while state.waiters:
                waiters, state.waiters = state.waiters, []
                reasons, state.reasons = state.reasons, set()
                try:
                    await self._driver.recompute(site_id, reasons)
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
