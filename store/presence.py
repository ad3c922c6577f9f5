"""``presence``: one document per station (``_id`` = station id) with its current
``connection`` (or null) and ``lastDisconnect``.

Written only by the presence queue's single active consumer, in order, so both fields can
live in one document without concurrent writers. Kept apart from ``station_state`` because
every connect and disconnect writes here: on FerretDB v1 an update costs a scan of its
collection, and this one holds one small document per station instead of several.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import find_by_ids, upsert


async def connected(db: AsyncDatabase[Any], station: str, connection: dict[str, Any]) -> None:
    await upsert(db, names.PRESENCE, {"_id": station}, {"$set": {"connection": connection}})


async def disconnected(db: AsyncDatabase[Any], station: str, connection: str, at: datetime) -> None:
    """Clear the connection only if it is still the one that closed: the late disconnect of
    a replaced connection must not mark the station offline.

    Read, compare, then write by ``_id`` alone rather than one update filtered on ``_id``
    and ``connection.id``: FerretDB v1 pushes only a lone ``_id`` filter down to its store and
    scans the whole collection for any other (measured: ~50 ms of its CPU per disconnect at
    a few hundred stations). The single in-order consumer makes the two steps safe.
    """
    doc = await db[names.PRESENCE].find_one({"_id": station}, {"connection": 1})
    current = (doc or {}).get("connection") or {}
    update: dict[str, Any] = {"lastDisconnect": at}
    if current.get("id") == connection:
        update["connection"] = None
    await upsert(db, names.PRESENCE, {"_id": station}, {"$set": update})


async def get(db: AsyncDatabase[Any], station: str) -> dict[str, Any]:
    doc = await db[names.PRESENCE].find_one({"_id": station})
    return {} if doc is None else {k: v for k, v in doc.items() if k != "_id"}


async def delete(db: AsyncDatabase[Any], station: str) -> None:
    await db[names.PRESENCE].delete_one({"_id": station})


async def online(db: AsyncDatabase[Any]) -> list[str]:
    """The ids of the stations connected now."""
    cursor = db[names.PRESENCE].find({"connection": {"$ne": None}}, {"_id": 1})
    return [doc["_id"] async for doc in cursor]


async def online_speaking(db: AsyncDatabase[Any], version: str) -> list[str]:
    """The ids of the stations connected now with OCPP ``version``."""
    cursor = db[names.PRESENCE].find({"connection.ocppVersion": version}, {"_id": 1})
    return [doc["_id"] async for doc in cursor]


async def count_online(db: AsyncDatabase[Any]) -> int:
    return await db[names.PRESENCE].count_documents({"connection": {"$ne": None}})


async def connected_among(db: AsyncDatabase[Any], stations: list[str]) -> dict[str, dict[str, Any]]:
    """The connection of each of ``stations`` (a page of them) connected now, by id."""
    docs = await find_by_ids(db, names.PRESENCE, stations)
    return {doc["_id"]: doc["connection"] for doc in docs if doc.get("connection")}
