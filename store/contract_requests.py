"""``contract_requests``: each Get15118EVCertificate (M01/M02) and how it was answered,
keyed by the message, so a redelivery writes nothing new. The EXI payloads themselves are
not kept: their size and SHA-256 say which request it was."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def add(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.CONTRACT_REQUESTS, doc)


async def for_station(
    db: AsyncDatabase[Any], station: str, limit: int, skip: int
) -> list[dict[str, Any]]:
    """The station's requests, newest first."""
    cursor = (
        db[names.CONTRACT_REQUESTS]
        .find({"station": station})
        .sort("createdAt", -1)
        .skip(skip)
        .limit(limit)
    )
    return [doc async for doc in cursor]
