"""bulk_upsert goes out in chunks (FerretDB v1 holds a connection per statement) and still
applies every operation."""

from __future__ import annotations

import asyncio
import uuid

from pymongo import UpdateOne

from store import BULK_CHUNK, bulk_upsert


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


async def test_writers_racing_to_create_the_same_documents_all_succeed(db):
    """The losers of the race get a duplicate key (on FerretDB, a reply pymongo cannot
    merge) and retry as plain updates: no writer fails, every document exists once. (Which
    value wins is the store's business: FerretDB v1 applies concurrent updates of one
    document without isolation, so even ``$max`` can lose to a smaller value there.)
    Several rounds, because any one race may not collide."""
    for _ in range(10):
        prefix = uuid.uuid4().hex[:8]

        def ops(value: int, prefix: str = prefix) -> list[UpdateOne]:
            return [
                UpdateOne({"_id": f"{prefix}-{i}"}, {"$max": {"n": value}}, upsert=True)
                for i in range(3)
            ]

        await asyncio.gather(*(bulk_upsert(db, "bulk_test", ops(value)) for value in range(4)))
        docs = await db["bulk_test"].find({"_id": {"$regex": f"^{prefix}-"}}).to_list(None)
        assert sorted(doc["_id"] for doc in docs) == [f"{prefix}-{i}" for i in range(3)]
        assert all(doc["n"] in range(4) for doc in docs)
