"""What the console's fleet-wide pages cost in the store at fleet size (issue #17: tables
page and sort on the server for 100,000 stations): the dashboard's numbers and the station
list's pages and filters, timed through the same functions the pages call.

    .venv/bin/python -m bench.console_fleet [--stations 100000] [--url mongodb://127.0.0.1:27017/]

Fills a database of its own once (``bench_console_<N>``, kept for the next run; ``--fresh``
refills it): N registered stations, half of them connected, each booted as one of five
models and three firmware versions, one site of 50, a finished session today for every
other station and a running one for every tenth. Prints one JSON line of timings (ms,
median of ``--repeat`` runs) and the rows each query matched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pymongo import AsyncMongoClient

from api.console import pages
from api.console.station_filter import StationFilter
from shared import names
from store import ensure_indexes

BATCH = 5_000
MODELS = [f"Model-{n}" for n in range(5)]
FIRMWARE = ["1.0", "1.1", "2.0"]
SITE = "SITE-BENCH"


def _station(n: int) -> str:
    return f"CS{n:07d}"


def _documents(n: int, now: datetime) -> dict[str, list[dict[str, Any]]]:
    station = _station(n)
    docs: dict[str, list[dict[str, Any]]] = {
        names.STATIONS: [{"_id": station, "securityProfile": 1, "createdAt": now}],
        names.PRESENCE: [
            {"_id": station, "connection": {"id": f"c{n}", "since": now} if n % 2 else None}
        ],
        names.STATION_STATE: [
            {
                "_id": f"{station}/{names.STATE_BOOT}",
                "station": station,
                "kind": names.STATE_BOOT,
                "value": {
                    "status": "Accepted",
                    "chargingStation": {
                        "vendorName": "Bench",
                        "model": MODELS[n % len(MODELS)],
                        "firmwareVersion": FIRMWARE[n % len(FIRMWARE)],
                    },
                },
                "at": now,
            }
        ],
        names.TRANSACTIONS: [],
    }
    if n % 2 == 0 or n % 10 == 1:
        start = now - timedelta(minutes=30 + n % 600)
        tx = {
            "_id": f"{station}/T{n}",
            "station": station,
            "transactionId": f"T{n}",
            "startedAt": start,
            "lastEventAt": start + timedelta(minutes=20),
            "meterStartWh": 0,
            "meterLastWh": 5_000 + n % 10_000,
        }
        if n % 2 == 0:
            tx["endedAt"] = start + timedelta(minutes=25)
        docs[names.TRANSACTIONS].append(tx)
    return docs


async def fill(db: Any, stations: int) -> float:
    started = time.perf_counter()
    now = datetime.now(UTC)
    for first in range(0, stations, BATCH):
        batch: dict[str, list[dict[str, Any]]] = {}
        for n in range(first, min(first + BATCH, stations)):
            for collection, docs in _documents(n, now).items():
                batch.setdefault(collection, []).extend(docs)
        await asyncio.gather(
            *(db[c].insert_many(docs, ordered=False) for c, docs in batch.items() if docs)
        )
        print(f"filled {min(first + BATCH, stations)} of {stations} stations", flush=True)
    members = [_station(n) for n in range(0, min(stations, 5_000), 100)][:50]
    await db[names.SITES].insert_one({"_id": SITE, "stations": members, "maxCurrent": 400.0})
    await db[names.SITE_MEMBERS].insert_many([{"_id": s, "site": SITE} for s in members])
    await db["bench_filled"].insert_one({"_id": "filled", "stations": stations})
    return time.perf_counter() - started


async def timed(run: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1), result


async def main(args: argparse.Namespace) -> dict[str, Any]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(args.url, tz_aware=True)
    db = client[f"bench_console_{args.stations}"]
    report: dict[str, Any] = {"stations": args.stations}
    try:
        if args.fresh:
            await client.drop_database(db.name)
        if await db["bench_filled"].find_one({"_id": "filled"}) is None:
            await client.drop_database(db.name)
            await ensure_indexes(db)
            report["fill_s"] = round(await fill(db, args.stations), 1)
        cases: dict[str, Callable[[], Awaitable[Any]]] = {
            "dashboard": lambda: pages.dashboard_numbers(db),
        }
        lists = {
            "list_first_page": ({}, 1),
            "list_page_1000": ({}, 1000),
            "list_sorted_desc": ({"sort": "-id"}, 1),
            "list_prefix": ({"q": "CS00123"}, 1),
            "list_online": ({"status": "online"}, 1),
            "list_offline": ({"status": "offline"}, 1),
            "list_model": ({"model": MODELS[2]}, 1),
            "list_model_firmware_online": (
                {"model": MODELS[2], "firmware": "2.0", "status": "online"},
                1,
            ),
            "list_site": ({"site": SITE}, 1),
        }
        for name, (query, page) in lists.items():
            cases[name] = partial(pages.station_rows, db, StationFilter.parse(query), page)
        for name, run in cases.items():
            ms, result = await timed(run, args.repeat)
            matched = result[1] if isinstance(result, tuple) else result["counts"]["total"]
            report[name] = {"ms": ms, "matched": matched}
            print(f"{name}: {ms} ms ({matched} matched)", flush=True)
    finally:
        await client.close()
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="mongodb://127.0.0.1:27017/")
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
