"""``connector_status``: the last StatusNotification per EVSE and connector."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import upsert


async def set_status(
    db: AsyncDatabase[Any],
    station: str,
    evse_id: int,
    connector_id: int,
    status: str,
    timestamp: datetime,
) -> bool:
    """Store a report unless a newer one is already stored; False if it was stale.

    Read, compare, write: a station's messages are handled one at a time (the gateway keeps
    one CALL in flight per station), so nobody else writes this document meanwhile; and
    ``_id``-only filters are the ones FerretDB v1 answers without a scan (a ``$or`` on the
    timestamp made this write seven times slower there).
    """
    key = f"{station}/{evse_id}/{connector_id}"
    current = await db[names.CONNECTORS].find_one({"_id": key}, {"timestamp": 1})
    if current is not None and current.get("timestamp") and current["timestamp"] > timestamp:
        return False
    await upsert(
        db,
        names.CONNECTORS,
        {"_id": key},
        {
            "$set": {
                "station": station,
                "evseId": evse_id,
                "connectorId": connector_id,
                "status": status,
                "timestamp": timestamp,
            }
        },
    )
    return True


async def for_station(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    cursor = db[names.CONNECTORS].find({"station": station}, {"_id": 0, "station": 0})
    docs = [doc async for doc in cursor]
    return sorted(docs, key=lambda d: (d["evseId"], d["connectorId"]))
