"""``cost_updates``: the CostUpdated sent to running transactions (I02), one document per
transaction and period (``shared/cost_schedule.py``), and one per period the sweep ran.

Insert-once claims, never updated: the CostUpdated of a transaction for period ``p`` is
the document ``<station>/<transactionId>/<p>``, inserted by the worker that sends it (of
two finding it due together, the event follow-up and the sweep or two sweeps, one gets a
duplicate key and sends nothing); ``sweep/<p>`` is inserted by the one worker that sweeps
that period. FerretDB v1 never sees two writers on a document. A sender removes the claims
two and three periods back (no sender looks that far back), so a transaction keeps at
most its last two, and the sweep its last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import find_by_ids, insert_once

SWEEP = "sweep"


def claim_id(station: str, transaction_id: str, period: int) -> str:
    return f"{station}/{transaction_id}/{period}"


def _latest(docs: Iterable[dict[str, Any]]) -> dict[tuple[str, str], datetime]:
    last: dict[tuple[str, str], datetime] = {}
    for doc in docs:
        key = (doc["station"], doc["transactionId"])
        last[key] = max(doc["sentAt"], last.get(key, doc["sentAt"]))
    return last


async def last_sent(
    db: AsyncDatabase[Any], station: str, transaction_id: str, period: int
) -> datetime | None:
    """When the transaction's last CostUpdated went out, if in ``period`` or the one
    before (two ``_id`` reads: the event follow-up's)."""
    ids = [claim_id(station, transaction_id, p) for p in (period, period - 1)]
    return _latest(await find_by_ids(db, names.COST_UPDATES, ids)).get((station, transaction_id))


async def sent_lately(db: AsyncDatabase[Any], period: int) -> dict[tuple[str, str], datetime]:
    """The sweep's read: (station, transactionId) -> when its last CostUpdated went out,
    for every transaction with one in ``period`` or the one before. One query over a
    collection of at most two claims per running transaction, not one read per
    transaction."""
    cursor = db[names.COST_UPDATES].find(
        {"period": {"$in": [period, period - 1]}, "transactionId": {"$exists": True}},
        {"station": 1, "transactionId": 1, "sentAt": 1},
    )
    return _latest([doc async for doc in cursor])


async def claim(
    db: AsyncDatabase[Any],
    station: str,
    transaction_id: str,
    period: int,
    sent_at: datetime,
    total: Decimal,
    by: str,
) -> bool:
    """Claim this period's CostUpdated of the transaction; False when another has it."""
    won = await insert_once(
        db,
        names.COST_UPDATES,
        {
            "_id": claim_id(station, transaction_id, period),
            "station": station,
            "transactionId": transaction_id,
            "period": period,
            "sentAt": sent_at,
            "totalCost": str(total),
            "by": by,
        },
    )
    if won:  # one delete per _id: FerretDB v1 scans for an $in, even of _ids
        await asyncio.gather(
            *(
                db[names.COST_UPDATES].delete_one({"_id": claim_id(station, transaction_id, p)})
                for p in (period - 2, period - 3)
            )
        )
    return won


async def claim_sweep(db: AsyncDatabase[Any], period: int, at: datetime, by: str) -> bool:
    """Claim the sweep of ``period``: one worker sweeps each period."""
    won = await insert_once(
        db, names.COST_UPDATES, {"_id": f"{SWEEP}/{period}", "period": period, "at": at, "by": by}
    )
    if won:
        await db[names.COST_UPDATES].delete_one({"_id": f"{SWEEP}/{period - 1}"})
    return won
