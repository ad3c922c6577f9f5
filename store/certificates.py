"""``certificates``: every station certificate the CSMS signed, or refused to sign, and
whether the station installed it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def add(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.CERTIFICATES, doc)


async def set_fields(db: AsyncDatabase[Any], key: str, fields: dict[str, Any]) -> None:
    await db[names.CERTIFICATES].update_one({"_id": key}, {"$set": fields})


async def for_station(
    db: AsyncDatabase[Any], station: str, *, with_ids: bool = False
) -> list[dict[str, Any]]:
    projection = None if with_ids else {"_id": 0}
    cursor = db[names.CERTIFICATES].find({"station": station}, projection).sort("createdAt", -1)
    return [doc async for doc in cursor]


FIELDS = {"station": 1, "certificateType": 1, "status": 1, "createdAt": 1, "notAfter": 1}


async def expiring(
    db: AsyncDatabase[Any], kinds: list[str], statuses: list[str], before: datetime
) -> list[dict[str, Any]]:
    """Signed certificates of ``kinds`` in ``statuses`` whose ``notAfter`` is before
    ``before`` (the renewal sweep's candidates)."""
    query = {
        "certificateType": {"$in": kinds},
        "status": {"$in": statuses},
        "notAfter": {"$lte": before},
    }
    return [doc async for doc in db[names.CERTIFICATES].find(query, FIELDS)]


async def of_stations(
    db: AsyncDatabase[Any], stations: list[str], kinds: list[str], statuses: list[str]
) -> list[dict[str, Any]]:
    """Every certificate of ``kinds`` in ``statuses`` signed for ``stations``."""
    query = {
        "station": {"$in": stations},
        "certificateType": {"$in": kinds},
        "status": {"$in": statuses},
    }
    return [doc async for doc in db[names.CERTIFICATES].find(query, FIELDS)]
