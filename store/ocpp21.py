"""What OCPP 2.1 stations send beyond 2.0.1: ``station_messages`` (each message kept as
sent, whatever else it changes, so none is ever lost), ``periodic_streams`` (the event
streams a station opened) and ``periodic_stream_data`` (what it streamed).

Every write is keyed by the station's message, so a redelivered message writes nothing new.
A stream's document is written only by the messages of its station, which a gateway hands
to the workers one at a time, so no two writers meet on it (FerretDB v1 has no lock).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once, upsert


async def keep_message(
    db: AsyncDatabase[Any],
    record_id: str,
    station: str,
    action: str,
    payload: dict[str, Any],
    received_at: datetime,
    **facts: Any,
) -> bool:
    """Keep one message as the station sent it; False if this message was already kept."""
    return await insert_once(
        db,
        names.STATION_MESSAGES,
        {
            "_id": record_id,
            "station": station,
            "action": action,
            "ocppVersion": names.OCPP21,
            "payload": payload,
            "receivedAt": received_at,
            **facts,
        },
    )


async def messages(
    db: AsyncDatabase[Any], station: str, limit: int, skip: int = 0
) -> list[dict[str, Any]]:
    """The station's kept messages, newest first."""
    cursor = (
        db[names.STATION_MESSAGES]
        .find({"station": station}, {"_id": 0})
        .sort("receivedAt", -1)
        .skip(skip)
        .limit(limit)
    )
    return [doc async for doc in cursor]


def stream_id(station: str, stream: int) -> str:
    return f"{station}/{stream}"


async def open_stream(
    db: AsyncDatabase[Any], station: str, data: dict[str, Any], opened_at: datetime
) -> None:
    """A station opened (or reopened) a stream: its constant data replace any before."""
    await upsert(
        db,
        names.PERIODIC_STREAMS,
        {"_id": stream_id(station, data["id"])},
        {
            "$set": {
                "station": station,
                "streamId": data["id"],
                "variableMonitoringId": data["variableMonitoringId"],
                "params": data["params"],
                "open": True,
                "openedAt": opened_at,
                "closedAt": None,
            }
        },
    )


async def close_stream(
    db: AsyncDatabase[Any], station: str, stream: int, closed_at: datetime
) -> bool:
    """False when the station never opened that stream (nothing written)."""
    result = await db[names.PERIODIC_STREAMS].update_one(
        {"_id": stream_id(station, stream)}, {"$set": {"open": False, "closedAt": closed_at}}
    )
    return result.matched_count > 0


async def stream(db: AsyncDatabase[Any], station: str, stream: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.PERIODIC_STREAMS].find_one(
        {"_id": stream_id(station, stream)}
    )
    return doc


async def streams(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    cursor = db[names.PERIODIC_STREAMS].find({"station": station}, {"_id": 0}).sort("streamId")
    return [doc async for doc in cursor]


async def add_stream_data(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.PERIODIC_STREAM_DATA, doc)


async def stream_data(
    db: AsyncDatabase[Any], station: str, stream: int, limit: int
) -> list[dict[str, Any]]:
    """The stream's newest parts first."""
    cursor = (
        db[names.PERIODIC_STREAM_DATA]
        .find({"station": station, "streamId": stream}, {"_id": 0})
        .sort("receivedAt", -1)
        .limit(limit)
    )
    return [doc async for doc in cursor]
