"""store/cost_updates.py against the real store: of writers claiming one transaction's
CostUpdated (or one sweep) for the same period at once, exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from shared import names
from store import cost_updates

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_one_of_many_workers_claims_a_transactions_cost_update_per_period(db):
    station, tx = f"CU-{uuid.uuid4().hex[:8]}", "TX1"
    won = await asyncio.gather(
        *(cost_updates.claim(db, station, tx, 100, T0, Decimal("2.50"), f"w{n}") for n in range(8))
    )
    assert sum(won) == 1
    assert await cost_updates.last_sent(db, station, tx, 100) == T0
    assert await cost_updates.last_sent(db, station, tx, 101) == T0  # the previous period
    assert await cost_updates.last_sent(db, station, tx, 102) is None  # too old to matter
    assert (await cost_updates.sent_lately(db, 101))[(station, tx)] == T0


async def test_a_claim_removes_the_ones_no_sender_reads_any_more(db):
    station, tx = f"CU-{uuid.uuid4().hex[:8]}", "TX1"
    for period in (100, 101, 102):
        assert await cost_updates.claim(db, station, tx, period, T0, Decimal(1), "w")
    kept = db[names.COST_UPDATES].find({"station": station}, {"period": 1})
    assert sorted([doc["period"] async for doc in kept]) == [101, 102]


async def test_one_worker_sweeps_each_period(db):
    period = 10**9 + uuid.uuid4().int % 10**6  # far from the cluster's own sweeps
    won = await asyncio.gather(
        *(cost_updates.claim_sweep(db, period, T0, f"w{n}") for n in range(8))
    )
    assert sum(won) == 1
    assert not await cost_updates.claim_sweep(db, period, T0, "late")
    await db[names.COST_UPDATES].delete_one({"_id": f"sweep/{period}"})
