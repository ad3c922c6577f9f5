"""``stations``: identity, credential hash, security profile, boot state, presence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now


async def get(db: AsyncDatabase[Any], station: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.STATIONS].find_one({"_id": station})
    return doc


async def touch(db: AsyncDatabase[Any], station: str) -> Mapping[str, Any] | None:
    """Record that the station was heard from; returns the station (boot gate, policy).

    No projection: FerretDB v1 does not implement ``fields`` in findAndModify.
    """
    doc: Mapping[str, Any] | None = await db[names.STATIONS].find_one_and_update(
        {"_id": station},
        {"$set": {"lastSeen": utc_now()}},
        return_document=ReturnDocument.AFTER,
    )
    return doc


async def record_boot(db: AsyncDatabase[Any], station: str, boot: dict[str, Any]) -> None:
    await db[names.STATIONS].update_one({"_id": station}, {"$set": {"boot": boot}})


async def set_fields(db: AsyncDatabase[Any], station: str, fields: dict[str, Any]) -> None:
    await db[names.STATIONS].update_one({"_id": station}, {"$set": fields})


async def set_connected(
    db: AsyncDatabase[Any], station: str, connection: str, gateway: str, remote: str
) -> None:
    await db[names.STATIONS].update_one(
        {"_id": station},
        {
            "$set": {
                "connection": {
                    "id": connection,
                    "gateway": gateway,
                    "remote": remote,
                    "since": utc_now(),
                }
            }
        },
    )


async def set_disconnected(db: AsyncDatabase[Any], station: str, connection: str) -> None:
    await db[names.STATIONS].update_one(
        {"_id": station, "connection.id": connection},
        {"$set": {"connection": None, "lastDisconnect": utc_now()}},
    )


async def upsert(db: AsyncDatabase[Any], station: str, fields: dict[str, Any]) -> bool:
    """Register or update; True if the station is new."""
    now: datetime = utc_now()
    result = await db[names.STATIONS].update_one(
        {"_id": station},
        {"$set": {**fields, "updatedAt": now}, "$setOnInsert": {"createdAt": now}},
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
