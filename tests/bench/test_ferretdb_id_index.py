"""The benchmark-only index turns FerretDB's ``_id`` scans into index searches and leaves
what the store answers unchanged. Runs only against the FerretDB that ``make test`` started
(its SQLite files under ``.local/ferretdb``)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from bench.ferretdb_id_index import index_all

FERRETDB_DIR = Path(__file__).resolve().parents[2] / ".local" / "ferretdb"


async def plan(db: AsyncDatabase[Any], collection: str, key: str) -> str:
    explained = await db.command({"explain": {"find": collection, "filter": {"_id": key}}})
    return " ".join(explained["queryPlanner"]["Plan"])


async def test_id_lookups_use_the_added_index_and_answer_the_same(db):
    db_file = FERRETDB_DIR / f"{db.name}.sqlite"
    collection = f"idx_{uuid.uuid4().hex[:8]}"
    await db[collection].insert_many([{"_id": f"k{i}", "n": i} for i in range(1000)])
    if not db_file.exists():
        pytest.skip(f"not the local FerretDB: no {db_file}")
    assert "SCAN" in await plan(db, collection, "k7")

    assert collection in index_all(db_file)
    assert collection not in index_all(db_file), "a second run adds nothing"

    # Each of FerretDB's pooled connections sees the new schema from its next real query (an
    # EXPLAIN alone does not reload it), so look documents up before asking for the plan.
    plans = []
    for _ in range(5):
        assert (await db[collection].find_one({"_id": "k7"}))["n"] == 7
        plans.append(await plan(db, collection, "k7"))
        if "USING INDEX" in plans[-1]:
            break
    assert "USING INDEX" in plans[-1], plans
    await db[collection].update_one({"_id": "k7"}, {"$set": {"n": 70}})
    assert (await db[collection].find_one({"_id": "k7"}))["n"] == 70
    await db[collection].delete_one({"_id": "k7"})
    assert await db[collection].count_documents({}) == 999
