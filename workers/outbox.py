"""Domain events at least once, with no store round trip while the broker confirms at once.

An event reports a state change a handler stored. Between that store write and the
broker's confirm of the event, two things keep the event from being lost:

1. **The inbound message.** A worker acks a station's message only after the handler
   returned, and a handler returns only after each of its events was confirmed or parked
   (2.). A worker that dies, or loses the broker, before that leaves the message unacked;
   RabbitMQ gives it to another worker (or the same one, reconnected), and the handler runs
   again. Handlers publish their event whether or not the state change was new (a
   TransactionEvent already stored is published again), with an event id derived from the
   state change (``shared.events.event_id``: transactionId + seqNo, or the OCPP message
   id), so the repeat is recognisable. The state change document holds what the event
   carries (a stored TransactionEvent keeps its request), so the event is rebuilt from
   the same data, not kept twice.
2. **The outbox collection** (``store/outbox.py``). When the broker does not confirm an
   event (refused, link gone, no confirm within ``EVENT_PUBLISH_TIMEOUT``), the worker
   inserts the encoded event into ``event_outbox`` before going on; the station then gets
   its answer and the message is acked. Every worker looks at the outbox every
   ``OUTBOX_INTERVAL_SECONDS``: it publishes what it parked itself, and what any worker
   parked more than ``OUTBOX_SWEEP_AFTER_SECONDS`` ago (the sweep: a worker that died
   with events parked), deleting each entry once the broker confirmed it.

Why not the literal "event in the same document write" with a pending flag: the sweeper
would have to find pending events by a non-``_id`` filter over the state collections, a
scan that grows with them on FerretDB v1 (no partial index there), and clearing the flag
after the confirm is one more store round trip per event. Nor an outbox entry written
before every state change: two more round trips per event (insert, delete), ~4 ms of
FerretDB time on the hot path. Here the outbox holds only events the broker refused, so
it is empty while the broker is well and its scan costs nothing; the hot path writes
exactly what it wrote before.

Guarantees: every event a handler emits is published at least once; all copies carry
the same ``eventId``. Not guaranteed: exactly once (a redelivery, a station's resend, a
parked event drained by two workers, a confirm lost after delivery all repeat one), and
order once something failed: an event published late (parked or redelivered) may follow
newer events of the same station. While nothing fails, one station's events go out in
the order its messages were handled (the gateway keeps one CALL in flight per station and
a handler waits for the confirm). Not covered: an event whose handler failed after its
store write with a non-transient error (the station gets InternalError, the message is
acked; its resend publishes it), events of work after the reply (``Context.after_reply``),
and the gateway's own connect/disconnect events.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import events
from shared.config import Settings
from shared.events import EventPublisher, utc_now
from store import outbox as outbox_store

log = logging.getLogger("workers.outbox")

DRAIN_BATCH = 100


class Outbox:
    """Publishes a worker's events; parks what the broker did not confirm; drains the
    outbox (its own entries and, after a while, anybody's)."""

    def __init__(self, db: AsyncDatabase[Any], publisher: EventPublisher, settings: Settings):
        self._db = db
        self._publisher = publisher
        self._timeout = settings.event_publish_timeout
        self._interval = settings.outbox_interval_seconds
        self._sweep_after = timedelta(seconds=settings.outbox_sweep_after_seconds)
        self._worker = f"{socket.gethostname()}/{os.getpid()}"
        self._mine: set[str] = set()

    async def publish(
        self,
        event: str,
        station: str,
        key: object,
        fields: dict[str, Any],
        before: Callable[[], Awaitable[None]] | None = None,
        subject: str = "station",
    ) -> None:
        """Publish one event and wait for the broker's confirm, or park it in the outbox.

        Raises only if parking fails too (the store is away): the caller's message is then
        retried, and so is the event."""
        event_id = events.event_id(event, station, key)
        body = events.encode(event, station, event_id, subject=subject, **fields)
        try:
            if before is not None:
                await before()
            await self._publisher.send(event, station, event_id, body, self._timeout)
        except Exception as exc:
            log.warning(
                "event not confirmed by the broker; parked in the outbox",
                extra={"event": event, "eventId": event_id, "error": repr(exc)[:300]},
            )
            await outbox_store.park(
                self._db, event_id, event, station, body, utc_now(), self._worker
            )
            self._mine.add(event_id)

    async def run(self) -> None:
        """Drain every ``OUTBOX_INTERVAL_SECONDS`` until cancelled."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.drain()
            except Exception as exc:
                log.error("could not drain the outbox", extra={"error": repr(exc)[:300]})

    async def drain(self) -> int:
        """Publish what waits: this worker's entries, and others' older than the sweep
        age. Stops at the first publish the broker does not confirm; returns how many went."""
        sent = 0
        swept_before = utc_now() - self._sweep_after
        for doc in await outbox_store.waiting(self._db, DRAIN_BATCH):
            event_id = doc["_id"]
            if event_id not in self._mine and doc["parkedAt"] > swept_before:
                continue
            try:
                await self._publisher.send(
                    doc["event"], doc["station"], event_id, doc["body"], self._timeout
                )
            except Exception as exc:
                log.warning("outbox: broker still not confirming", extra={"error": repr(exc)})
                break
            await outbox_store.remove(self._db, event_id)
            self._mine.discard(event_id)
            sent += 1
            log.info(
                "published a parked event",
                extra={"event": doc["event"], "eventId": event_id, "parkedBy": doc["worker"]},
            )
        return sent
