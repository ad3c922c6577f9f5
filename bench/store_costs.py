"""What single store operations cost against the configured MongoDB/FerretDB, at several sizes.

    .venv/bin/python -m bench.store_costs [--url mongodb://127.0.0.1:27017/] [--sizes 300 3000]

Lookups are spread over the whole collection, so a store that scans in insertion order and
stops at the first match (FerretDB v1 on SQLite did) cannot look cheap. Uses (and drops
afterwards) a database of its own; run it with nothing else writing to it.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient

DATABASE = "bench_store_costs"

DOC = {
    "station": "S",
    "kind": "boot",
    "value": {"status": "Accepted", "reason": "PowerUp", "chargingStation": {"model": "M"}},
}


async def per_op(run: Callable[[int], Awaitable[Any]], n: int = 30) -> float:
    started = time.perf_counter()
    for i in range(n):
        await run(i)
    return (time.perf_counter() - started) / n * 1000


async def lost_updates(col: Any, tries: int = 100) -> int:
    lost = 0
    for i in range(tries):
        key = f"race-{i}"
        await col.insert_one({"_id": key})
        await asyncio.gather(
            col.update_one({"_id": key}, {"$set": {"a": 1}}),
            col.update_one({"_id": key}, {"$set": {"b": 1}}),
        )
        doc = await col.find_one({"_id": key})
        lost += "a" not in doc or "b" not in doc
    return lost


def operations(col: Any, size: int, n: int = 30) -> dict[str, Callable[[int], Awaitable[Any]]]:
    def spread(i: int) -> int:  # the i-th of n keys evenly over the collection
        return i * size // n

    def find_by_id(i: int) -> Awaitable[Any]:
        return col.find_one({"_id": f"S{spread(i)}/boot"})  # type: ignore[no-any-return]

    def find_by_field(i: int) -> Awaitable[Any]:
        return col.find_one({"station": f"S{spread(i)}"})  # type: ignore[no-any-return]

    def update_by_id(i: int) -> Awaitable[Any]:
        return col.update_one(  # type: ignore[no-any-return]
            {"_id": f"S{spread(i)}/boot"}, {"$set": {"value.status": "Pending"}}
        )

    def insert(i: int) -> Awaitable[Any]:
        return col.insert_one({**DOC, "n": i})  # type: ignore[no-any-return]

    async def read_then_upsert(i: int) -> None:
        """How connector status was written before: read the stored timestamp, then write."""
        key = f"S{spread(i)}/boot"
        await col.find_one({"_id": key}, {"n": 1})
        await col.update_one({"_id": key}, {"$set": {"n": i}}, upsert=True)

    def conditional_update(i: int) -> Awaitable[Any]:
        """How it is written now: one update by ``_id`` and a comparison on the document."""
        return col.update_one(  # type: ignore[no-any-return]
            {"_id": f"S{spread(i)}/boot", "n": {"$lte": i}}, {"$set": {"n": i}}
        )

    return {
        "find_one by _id": find_by_id,
        "find by indexed field": find_by_field,
        "update_one by _id": update_by_id,
        "insert_one": insert,
        "find_one + upsert by _id": read_then_upsert,
        "update_one by _id and $lte": conditional_update,
    }


async def finds_per_second(col: Any, size: int, concurrency: int = 20, n: int = 2000) -> float:
    """The store's ceiling for the hot path's most common operation, many callers at once
    (what bounds a reconnect storm on the local store)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await col.find_one({"_id": f"S{i * 7919 % size}/boot"})

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started)


async def main(url: str, sizes: list[int]) -> None:
    client: AsyncMongoClient[Any] = AsyncMongoClient(url)
    db = client[DATABASE]
    columns: list[str] = []
    rows: dict[str, list[float]] = {}
    ceilings: list[float] = []
    for size in sizes:
        col = db[f"c{size}"]
        await col.drop()
        await col.create_index("station")
        await col.insert_many(
            [{"_id": f"S{i}/boot", **DOC, "station": f"S{i}"} for i in range(size)]
        )
        columns.append(f"{size} docs")
        await col.update_many({}, {"$set": {"n": -1}})
        for op, run in operations(col, size).items():
            rows.setdefault(op, []).append(await per_op(run))
        ceilings.append(await finds_per_second(col, size))
    print(f"{'operation':28}" + "".join(f"{c:>24}" for c in columns))
    for op, values in rows.items():
        print(f"{op:28}" + "".join(f"{v:>21.2f} ms" for v in values))
    label = "find_one by _id, 20 at once"
    print(f"{label:28}" + "".join(f"{v:>22.0f}/s" for v in ceilings))
    lost = await lost_updates(db["race"])
    print(f"concurrent $set of two fields of one document: {lost} of 100 lost an update")
    await client.drop_database(DATABASE)
    await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="mongodb://127.0.0.1:27017/")
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    args = parser.parse_args()
    asyncio.run(main(args.url, args.sizes))
