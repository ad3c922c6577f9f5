"""Append-only logs a station writes to: ``station_events`` (NotifyEvent),
``security_events``, ``customer_information`` parts and ``data_transfers``.

They share one module because each is the same operation, an insert keyed by the message
so a redelivery writes nothing; the collection names come from ``shared.names``.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_many_once, insert_once


async def add_station_events(db: AsyncDatabase[Any], docs: list[dict[str, Any]]) -> None:
    await insert_many_once(db, names.STATION_EVENTS, docs)


async def add_security_event(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.SECURITY_EVENTS, doc)


async def add_customer_information(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.CUSTOMER_INFORMATION, doc)


async def add_data_transfer(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.DATA_TRANSFERS, doc)


async def list_for_station(
    db: AsyncDatabase[Any], collection: str, station: str, limit: int
) -> list[dict[str, Any]]:
    cursor = db[collection].find({"station": station}, {"_id": 0}).sort("_id", -1).limit(limit)
    return [doc async for doc in cursor]


async def security_events(
    db: AsyncDatabase[Any], station: str, limit: int, skip: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the station's security events and how many it has: newest by the
    station's own timestamp, then by arrival (``_id`` is a message id, no time)."""
    query = {"station": station}
    cursor = (
        db[names.SECURITY_EVENTS]
        .find(query, {"_id": 0})
        .sort([("timestamp", -1), ("receivedAt", -1)])
        .skip(skip)
        .limit(limit)
    )
    docs = [doc async for doc in cursor]
    return docs, await db[names.SECURITY_EVENTS].count_documents(query)
