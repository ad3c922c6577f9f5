"""``audit``: one document per state-changing operator API request, written after it was
answered, so the outcome is known. Append-only: nothing in the CSMS updates or deletes
an entry."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def record(db: AsyncDatabase[Any], entry: dict[str, Any]) -> None:
    """``entry`` carries its own ``_id``, so a retried write stores it once."""
    await insert_once(db, names.AUDIT, entry)


async def list_filtered(
    db: AsyncDatabase[Any],
    station: str | None,
    key_id: str | None,
    limit: int,
    skip: int,
) -> list[dict[str, Any]]:
    query: dict[str, Any] = {}
    if station:
        query["station"] = station
    if key_id:
        query["keyId"] = key_id
    cursor = db[names.AUDIT].find(query).sort("at", -1).skip(skip).limit(limit)
    return [doc async for doc in cursor]
