"""lastSeen batching against the real store: first sighting written at once, then at most
once per interval, never moved back by an older moment from another worker."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from workers.last_seen import LastSeen

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def stored(db: AsyncDatabase[Any], station: str) -> datetime | None:
    doc = await db[names.LAST_SEEN].find_one({"_id": station})
    return None if doc is None else doc["at"]


async def test_first_sighting_is_written_then_at_most_once_per_interval(db):
    station = f"LS-{uuid.uuid4().hex[:8]}"
    seen = LastSeen(db, every=3600)
    seen.note(station, T0)
    seen.note(station, T0 + timedelta(seconds=1))  # the newest of a tick wins
    assert await seen.flush() == 1
    assert await stored(db, station) == T0 + timedelta(seconds=1)

    seen.note(station, T0 + timedelta(seconds=2))
    assert await seen.flush() == 0, "written again within the interval"
    assert await seen.flush(everything=True) == 1, "stopping writes what is pending"
    assert await stored(db, station) == T0 + timedelta(seconds=2)


async def test_an_older_moment_from_another_worker_does_not_move_it_back(db):
    station = f"LS-{uuid.uuid4().hex[:8]}"
    newer, older = LastSeen(db, every=0), LastSeen(db, every=0)
    newer.note(station, T0 + timedelta(minutes=5))
    await newer.flush()
    older.note(station, T0)
    await older.flush()
    assert await stored(db, station) == T0 + timedelta(minutes=5)


async def test_a_write_cancelled_midway_is_written_by_the_final_flush(db):
    station = f"LS-{uuid.uuid4().hex[:8]}"
    seen = LastSeen(db, every=3600)
    seen.note(station, T0)
    task = asyncio.create_task(seen.flush())
    await asyncio.sleep(0)  # the write has started
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert await seen.flush(everything=True) == 1
    assert await stored(db, station) == T0
