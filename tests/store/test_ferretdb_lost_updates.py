"""Why the store keeps "one writer per document at a time": the local FerretDB v1 applies an
update as read-modify-write without a lock, so concurrent updates of one document lose
each other (MongoDB does not). If this test starts failing on FerretDB, the store changed
and the rule (station_state split per fact, single-active-consumer queues for shared
aggregates) can be revisited; on MongoDB it is skipped."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

WRITERS = 50


async def _is_ferretdb(db: AsyncDatabase[Any]) -> bool:
    info = await db.client.admin.command("buildInfo")
    return "ferretdbVersion" in info


async def test_concurrent_increments_of_one_document_lose_updates_on_ferretdb(
    db: AsyncDatabase[Any],
) -> None:
    if not await _is_ferretdb(db):
        pytest.skip("MongoDB applies concurrent updates of one document atomically")
    key = uuid.uuid4().hex
    await db["lost_updates"].insert_one({"_id": key, "n": 0})
    await asyncio.gather(
        *(db["lost_updates"].update_one({"_id": key}, {"$inc": {"n": 1}}) for _ in range(WRITERS))
    )
    doc = await db["lost_updates"].find_one({"_id": key})
    assert doc is not None
    assert doc["n"] < WRITERS, "every concurrent $inc survived: has FerretDB become atomic?"
