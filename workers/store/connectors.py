"""``connector_status``: the last StatusNotification per EVSE and connector."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared import names


async def set_status(
    db: AsyncDatabase[Any],
    station: str,
    evse_id: int,
    connector_id: int,
    status: str,
    timestamp: datetime,
) -> bool:
    """Store a report unless a newer one is already stored; False if it was stale.

    The filter matches only an older (or the same) report; when it does not match, the
    upsert collides with the existing ``_id`` and we know ours was stale.
    """
    key = f"{station}/{evse_id}/{connector_id}"
    try:
        await db[names.CONNECTORS].update_one(
            {
                "_id": key,
                "$or": [{"timestamp": {"$lte": timestamp}}, {"timestamp": {"$exists": False}}],
            },
            {
                "$set": {
                    "station": station,
                    "evseId": evse_id,
                    "connectorId": connector_id,
                    "status": status,
                    "timestamp": timestamp,
                }
            },
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return True


async def for_station(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    cursor = db[names.CONNECTORS].find({"station": station}, {"_id": 0, "station": 0})
    docs = [doc async for doc in cursor]
    return sorted(docs, key=lambda d: (d["evseId"], d["connectorId"]))
