"""``meter_values``: every sampled meter value, from MeterValues and TransactionEvent."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_many_once


async def add(db: AsyncDatabase[Any], docs: list[dict[str, Any]]) -> None:
    """Insert documents with message-derived ids; ones already stored are skipped."""
    await insert_many_once(db, names.METER_VALUES, docs)


async def for_transaction(
    db: AsyncDatabase[Any], station: str, transaction_id: str
) -> list[dict[str, Any]]:
    cursor = (
        db[names.METER_VALUES]
        .find({"station": station, "transactionId": transaction_id}, {"_id": 0})
        .sort("timestamp", 1)
    )
    return [doc async for doc in cursor]
