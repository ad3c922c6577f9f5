"""Tariffs (block I): ``tariffs`` and ``tariff_members`` (``cost_updates``: its own module).

One writer each, so FerretDB v1's unlocked read-modify-write never sees two on a document:
the API writes the tariffs and their stations. A transaction's cost is written by its
TransactionEvent handler within its own summary write.

A station has at most one tariff of its own: ``tariff_members`` holds one document per
station (``_id`` = station id), and inserting it is the claim (as ``store/sites.py``).
At most one tariff is the default: the API sets ``default`` on the one it writes, then
clears it on every other (single-document writes); readers that still see two take the
most recently updated.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def get(db: AsyncDatabase[Any], tariff_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.TARIFFS].find_one({"_id": tariff_id})
    return doc


async def list_all(db: AsyncDatabase[Any], limit: int = 0, skip: int = 0) -> list[dict[str, Any]]:
    cursor = db[names.TARIFFS].find({}).sort("_id", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def put(db: AsyncDatabase[Any], tariff_id: str, fields: dict[str, Any]) -> None:
    """Replace the tariff (PUT is a whole replacement); a default one stops being the
    default of any other."""
    await db[names.TARIFFS].replace_one(
        {"_id": tariff_id}, {"_id": tariff_id, **fields}, upsert=True
    )
    if fields.get("default"):
        await db[names.TARIFFS].update_many(
            {"default": True, "_id": {"$ne": tariff_id}}, {"$set": {"default": False}}
        )


async def delete(db: AsyncDatabase[Any], tariff_id: str) -> bool:
    result = await db[names.TARIFFS].delete_one({"_id": tariff_id})
    await db[names.TARIFF_MEMBERS].delete_many({"tariff": tariff_id})
    return result.deleted_count > 0


async def claim(db: AsyncDatabase[Any], tariff_id: str, stations: list[str]) -> dict[str, str]:
    """Give ``stations`` this tariff; returns the ones another tariff holds (station ->
    that tariff), in which case nothing was claimed."""
    taken: dict[str, str] = {}
    claimed: list[str] = []
    for station in stations:
        if await insert_once(db, names.TARIFF_MEMBERS, {"_id": station, "tariff": tariff_id}):
            claimed.append(station)
            continue
        holder = await db[names.TARIFF_MEMBERS].find_one({"_id": station})
        if holder is not None and holder["tariff"] != tariff_id:
            taken[station] = holder["tariff"]
    if taken and claimed:
        await db[names.TARIFF_MEMBERS].delete_many({"_id": {"$in": claimed}, "tariff": tariff_id})
    return taken


async def release_others(db: AsyncDatabase[Any], tariff_id: str, keep: list[str]) -> None:
    """The tariff's stations are now ``keep``: the others fall back to the default."""
    await db[names.TARIFF_MEMBERS].delete_many({"tariff": tariff_id, "_id": {"$nin": keep}})


async def own_tariffs(db: AsyncDatabase[Any]) -> dict[str, str]:
    """Every station with a tariff of its own -> that tariff's id (one document each)."""
    return {doc["_id"]: str(doc["tariff"]) async for doc in db[names.TARIFF_MEMBERS].find({})}


async def tariff_of(db: AsyncDatabase[Any], station: str) -> str | None:
    """The station's own tariff id (one ``_id`` read), None when it has none."""
    doc = await db[names.TARIFF_MEMBERS].find_one({"_id": station})
    return None if doc is None else str(doc["tariff"])
