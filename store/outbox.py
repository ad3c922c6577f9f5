"""``event_outbox``: events a worker could not get confirmed by the broker, until one is.

Only inserts (keyed by the event id, so parking one event twice writes nothing) and
deletes by ``_id``: no document is ever updated, so any number of workers may drain at
once without FerretDB v1 losing a write. The collection holds only what waits, not
history, so reading it whole stays cheap although FerretDB scans for any non-``_id`` query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def park(
    db: AsyncDatabase[Any],
    event_id: str,
    event: str,
    station: str,
    body: bytes,
    parked_at: datetime,
    worker: str,
) -> None:
    doc = {
        "_id": event_id,
        "event": event,
        "station": station,
        "body": body,
        "parkedAt": parked_at,
        "worker": worker,
    }
    await insert_once(db, names.OUTBOX, doc)


async def waiting(db: AsyncDatabase[Any], limit: int) -> list[dict[str, Any]]:
    """The oldest parked events first."""
    cursor = db[names.OUTBOX].find({}).sort("parkedAt", 1).limit(limit)
    return [doc async for doc in cursor]


async def remove(db: AsyncDatabase[Any], event_id: str) -> None:
    await db[names.OUTBOX].delete_one({"_id": event_id})
