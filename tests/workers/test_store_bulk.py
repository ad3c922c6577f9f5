"""bulk_upsert goes out in chunks (FerretDB v1 holds a connection per statement) and still
applies every operation."""

from __future__ import annotations

import uuid

from pymongo import UpdateOne

from workers.store import BULK_CHUNK, bulk_upsert


async def test_a_bulk_larger_than_a_chunk_applies_every_operation(db):
    prefix = uuid.uuid4().hex[:8]
    count = BULK_CHUNK * 2 + 3
    ops = [
        UpdateOne({"_id": f"{prefix}-{i}"}, {"$set": {"n": i}}, upsert=True) for i in range(count)
    ]
    await bulk_upsert(db, "bulk_test", ops)
    await bulk_upsert(db, "bulk_test", ops)  # a second time: updates, no duplicates
    docs = await db["bulk_test"].find({"_id": {"$regex": f"^{prefix}-"}}).to_list(None)
    assert sorted(doc["n"] for doc in docs) == list(range(count))
