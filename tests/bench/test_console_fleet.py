"""The console's fleet benchmark at a small size: it fills its database, times every case,
and each filter matches what the fill put there."""

from __future__ import annotations

import argparse

from pymongo import AsyncMongoClient

from bench import console_fleet
from tests.conftest import MONGO_URL


async def test_the_console_benchmark_times_every_case_and_each_filter_matches():
    args = argparse.Namespace(url=MONGO_URL, stations=300, repeat=1, fresh=True)
    try:
        report = await console_fleet.main(args)
    finally:
        client: AsyncMongoClient[dict] = AsyncMongoClient(MONGO_URL)
        await client.drop_database("bench_console_300")
        await client.close()
    matched = {name: case["matched"] for name, case in report.items() if isinstance(case, dict)}
    assert matched == {
        "dashboard": 300,
        "list_first_page": 300,
        "list_page_1000": 300,
        "list_sorted_desc": 300,
        "list_prefix": 0,  # CS00123..: none below 300
        "list_online": 150,
        "list_offline": 150,
        "list_model": 60,
        "list_model_firmware_online": 10,
        "list_site": 3,
    }
    assert all(case["ms"] > 0 for case in report.values() if isinstance(case, dict))
