"""``certificates``: every station certificate the CSMS signed, or refused to sign, and
whether the station installed it."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def add(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.CERTIFICATES, doc)


async def set_fields(db: AsyncDatabase[Any], key: str, fields: dict[str, Any]) -> None:
    await db[names.CERTIFICATES].update_one({"_id": key}, {"$set": fields})


async def for_station(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    cursor = db[names.CERTIFICATES].find({"station": station}, {"_id": 0}).sort("createdAt", -1)
    return [doc async for doc in cursor]
