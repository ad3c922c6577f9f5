"""``stations``: identity, credential hash, security profile, boot policy. Written by the
operator API; what the station reports about itself lives in ``station_state``."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now

from . import find_by_ids, station_state


async def get(db: AsyncDatabase[Any], station: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.STATIONS].find_one({"_id": station})
    return doc


async def set_fields(db: AsyncDatabase[Any], station: str, fields: dict[str, Any]) -> None:
    await db[names.STATIONS].update_one({"_id": station}, {"$set": fields})


async def upsert(
    db: AsyncDatabase[Any],
    station: str,
    fields: dict[str, Any],
    on_insert: dict[str, Any] | None = None,
) -> bool:
    """Register or update; True if the station is new. ``on_insert`` holds defaults that only
    a new station gets (none of them may also be in ``fields``)."""
    now: datetime = utc_now()
    result = await db[names.STATIONS].update_one(
        {"_id": station},
        {
            "$set": {**fields, "updatedAt": now},
            "$setOnInsert": {**(on_insert or {}), "createdAt": now},
        },
        upsert=True,
    )
    return result.upserted_id is not None


async def unset(db: AsyncDatabase[Any], station: str, field: str) -> None:
    await db[names.STATIONS].update_one({"_id": station}, {"$unset": {field: ""}})


async def delete(db: AsyncDatabase[Any], station: str) -> bool:
    result = await db[names.STATIONS].delete_one({"_id": station})
    return result.deleted_count == 1


async def list_all(db: AsyncDatabase[Any], limit: int, skip: int) -> list[dict[str, Any]]:
    cursor = db[names.STATIONS].find({}).sort("_id", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def with_state(
    db: AsyncDatabase[Any], station: str, *, created: bool = False
) -> dict[str, Any] | None:
    """The station document merged with all its ``station_state`` facts (operator views).

    A station ``created`` just now has none yet, so they are not read: gathering them is a
    query by station, which FerretDB v1 answers by scanning ``station_state`` (measured:
    registering 10,000 stations slowed to 5 per second)."""
    doc = await get(db, station)
    if doc is None:
        return None
    facts = station_state.no_facts() if created else await station_state.get_all(db, station)
    return {**doc, **facts}


HOT_STATE = (names.STATE_BOOT,)


async def for_message(db: AsyncDatabase[Any], station: str, action: str) -> dict[str, Any] | None:
    """What handling one message needs: its boot state, and only while it is Pending what it
    was triggered to send (B02); the station document itself only for a BootNotification,
    whose answer depends on the station's boot policy. One ``_id`` read for every other
    message (see ``station_state.get_kinds``). None: a BootNotification from a station that
    is not registered (any more), or another message from one that never booted."""
    if action == "BootNotification":
        doc, state = await asyncio.gather(
            get(db, station), station_state.get_kinds(db, station, HOT_STATE)
        )
        if doc is None:
            return None
    else:
        state = await station_state.get_kinds(db, station, HOT_STATE)
        if not state:
            return None
        doc = {"_id": station}
    merged = {**doc, **state}
    if (state.get(names.STATE_BOOT) or {}).get("status") == names.BOOT_PENDING:
        merged[names.STATE_TRIGGERED] = await station_state.triggered(db, station)
    return merged


async def count(db: AsyncDatabase[Any]) -> int:
    return await db[names.STATIONS].count_documents({})


def _id_prefix(prefix: str) -> dict[str, Any]:
    """Ids that start with ``prefix``, as a range on ``_id`` (no regular expression)."""
    return {"$gte": prefix, "$lt": prefix + "\U0010ffff"} if prefix else {"$exists": True}


async def page(
    db: AsyncDatabase[Any], prefix: str, descending: bool, limit: int, skip: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of stations by id (and how many match), ids starting with ``prefix``; the
    page and the count are read concurrently (each is a scan on FerretDB)."""
    query: dict[str, Any] = {"_id": _id_prefix(prefix)}
    cursor = db[names.STATIONS].find(query).sort("_id", -1 if descending else 1)
    docs, matching = await asyncio.gather(
        cursor.skip(skip).limit(limit).to_list(), db[names.STATIONS].count_documents(query)
    )
    return docs, matching


async def ids(db: AsyncDatabase[Any]) -> list[str]:
    """Every registered station's id (the console's "offline" list starts from them)."""
    return [doc["_id"] async for doc in db[names.STATIONS].find({}, {"_id": 1})]


async def by_ids(db: AsyncDatabase[Any], stations: list[str]) -> list[dict[str, Any]]:
    """A page of stations in the order given, each read by ``_id`` (deleted ones left out)."""
    return await find_by_ids(db, names.STATIONS, stations)
