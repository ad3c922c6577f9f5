"""Sites (a grid connection shared by its stations): ``sites``, ``site_members``,
``site_limits`` and ``site_allocations``.

Each collection but one has one writer, so FerretDB v1's unlocked read-modify-write never
sees two writers on one document: the API writes a site's definition and its members; the
site driver (``workers/site_driver.py``, one at a time per site) writes what it sent. The
external limit (``site_limits``) is written by the API and by the worker taking energy
managers' limits from the bus (``workers/sites.py``, one at a time per site): each replaces
the whole document, so the last write wins and no fields of two writes are mixed.

A station belongs to at most one site: ``site_members`` holds one document per station
(``_id`` = station id), and inserting it is the claim, so two sites cannot take the same
station even when defined at the same moment.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import iso

from . import find_by_ids, insert_once


async def get(db: AsyncDatabase[Any], site_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.SITES].find_one({"_id": site_id})
    return doc


async def list_all(db: AsyncDatabase[Any], limit: int, skip: int) -> list[dict[str, Any]]:
    cursor = db[names.SITES].find({}).sort("_id", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def versions(db: AsyncDatabase[Any]) -> dict[str, Any]:
    """Every site's ``updatedAt`` by id (the sweep's; sites are few next to stations)."""
    cursor = db[names.SITES].find({}, {"updatedAt": 1})
    return {doc["_id"]: doc.get("updatedAt") async for doc in cursor}


async def limit_versions(db: AsyncDatabase[Any]) -> dict[str, Any]:
    """Every external limit's ``updatedAt`` by site id."""
    cursor = db[names.SITE_LIMITS].find({}, {"updatedAt": 1})
    return {doc["_id"]: doc.get("updatedAt") async for doc in cursor}


async def put(db: AsyncDatabase[Any], site_id: str, fields: dict[str, Any]) -> None:
    """Replace the site's definition (PUT is a whole replacement)."""
    await db[names.SITES].replace_one({"_id": site_id}, {"_id": site_id, **fields}, upsert=True)


async def delete(db: AsyncDatabase[Any], site_id: str) -> bool:
    result = await db[names.SITES].delete_one({"_id": site_id})
    await db[names.SITE_LIMITS].delete_one({"_id": site_id})
    await db[names.SITE_MEMBERS].delete_many({"site": site_id})
    return result.deleted_count > 0


async def claim(db: AsyncDatabase[Any], site_id: str, stations: list[str]) -> dict[str, str]:
    """Make ``stations`` members of the site; returns the ones another site holds (station
    -> that site), in which case nothing was claimed."""
    taken: dict[str, str] = {}
    claimed: list[str] = []
    for station in stations:
        if await insert_once(db, names.SITE_MEMBERS, {"_id": station, "site": site_id}):
            claimed.append(station)
            continue
        holder = await db[names.SITE_MEMBERS].find_one({"_id": station})
        if holder is not None and holder["site"] != site_id:
            taken[station] = holder["site"]
    if taken and claimed:
        await db[names.SITE_MEMBERS].delete_many({"_id": {"$in": claimed}, "site": site_id})
    return taken


async def release_others(db: AsyncDatabase[Any], site_id: str, keep: list[str]) -> None:
    """The site's stations are now ``keep``: the others are free for another site."""
    await db[names.SITE_MEMBERS].delete_many({"site": site_id, "_id": {"$nin": keep}})


async def site_of(db: AsyncDatabase[Any], station: str) -> str | None:
    doc = await db[names.SITE_MEMBERS].find_one({"_id": station})
    return None if doc is None else str(doc["site"])


async def get_limit(db: AsyncDatabase[Any], site_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.SITE_LIMITS].find_one({"_id": site_id})
    return doc


async def put_limit(db: AsyncDatabase[Any], site_id: str, fields: dict[str, Any]) -> None:
    await db[names.SITE_LIMITS].replace_one(
        {"_id": site_id}, {"_id": site_id, **fields}, upsert=True
    )


async def delete_limit(db: AsyncDatabase[Any], site_id: str) -> bool:
    result = await db[names.SITE_LIMITS].delete_one({"_id": site_id})
    return result.deleted_count > 0


async def get_allocation(db: AsyncDatabase[Any], site_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.SITE_ALLOCATIONS].find_one({"_id": site_id})
    return doc


async def allocations(db: AsyncDatabase[Any]) -> list[dict[str, Any]]:
    """Every site's allocation, without the limits (what the sweep compares)."""
    cursor = db[names.SITE_ALLOCATIONS].find({}, {"limits": 0})
    return [doc async for doc in cursor]


async def put_allocation(db: AsyncDatabase[Any], site_id: str, fields: dict[str, Any]) -> None:
    """Written only by the site's driver, one recomputation at a time."""
    await db[names.SITE_ALLOCATIONS].replace_one(
        {"_id": site_id}, {"_id": site_id, **fields}, upsert=True
    )


async def delete_allocation(db: AsyncDatabase[Any], site_id: str) -> None:
    await db[names.SITE_ALLOCATIONS].delete_one({"_id": site_id})


def entry_view(entry: dict[str, Any]) -> dict[str, Any]:
    """One transaction's stored allocation as the API and the events show it: ``limit`` is
    the last one sent; a refused one is counted at ``countedAt`` (its EVSE maximum)."""
    return {
        "stationId": entry["stationId"],
        "evseId": entry["evseId"],
        "transactionId": entry["transactionId"],
        "limit": entry["limit"],
        "unit": "A",
        "sentAt": iso(entry["sentAt"]) if entry.get("sentAt") else None,
        "status": entry["status"],
        "countedAt": entry.get("countedAt"),
    }


def counted_current(entries: list[dict[str, Any]]) -> float:
    """What the site's transactions may draw as far as we know (A per phase)."""
    total = 0.0
    for e in entries:
        refused = e["status"] in names.SITE_LIMIT_REFUSED
        total += (e.get("countedAt") or e["limit"]) if refused else e["limit"]
    return round(total, 1)


async def sites_of(db: AsyncDatabase[Any], stations: list[str]) -> dict[str, str]:
    """The site of each of ``stations`` (a page of them) that belongs to one, by station."""
    docs = await find_by_ids(db, names.SITE_MEMBERS, stations)
    return {doc["_id"]: str(doc["site"]) for doc in docs}
