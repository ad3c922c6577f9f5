"""``transactions`` (one summary per transaction) and ``transaction_events`` (every event).

Idempotency on transactionId + seqNo: the event's ``_id`` is ``station/transactionId/seqNo``,
so a resent event inserts nothing. The summary update uses only operators that give the same
result when applied twice ($min, $max, $set of values from the event itself), so it is
safe to re-apply after a crash between the two writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once, upsert


def transaction_key(station: str, transaction_id: str) -> str:
    return f"{station}/{transaction_id}"


async def add_event(
    db: AsyncDatabase[Any], station: str, transaction_id: str, seq_no: int, event: dict[str, Any]
) -> bool:
    """Store one TransactionEvent; False if this seqNo was stored before."""
    doc = {
        "_id": f"{station}/{transaction_id}/{seq_no}",
        "station": station,
        "transactionId": transaction_id,
        "seqNo": seq_no,
        **event,
    }
    return await insert_once(db, names.TRANSACTION_EVENTS, doc)


async def apply_summary(
    db: AsyncDatabase[Any],
    station: str,
    transaction_id: str,
    *,
    set_fields: dict[str, Any],
    timestamp: datetime,
    seq_no: int,
    ended: bool,
    energy_wh: list[float],
) -> None:
    update: dict[str, Any] = {
        "$setOnInsert": {"station": station, "transactionId": transaction_id},
        "$min": {"startedAt": timestamp, "firstSeqNo": seq_no},
        "$max": {"lastEventAt": timestamp, "lastSeqNo": seq_no},
    }
    if set_fields:
        update["$set"] = dict(set_fields)
    if energy_wh:
        update["$min"]["meterStartWh"] = min(energy_wh)
        update["$max"]["meterLastWh"] = max(energy_wh)
    if ended:
        update.setdefault("$set", {})["endedAt"] = timestamp
    # A redelivered message can race the lost worker's write still running in the store.
    await upsert(db, names.TRANSACTIONS, {"_id": transaction_key(station, transaction_id)}, update)


async def get(db: AsyncDatabase[Any], station: str, transaction_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.TRANSACTIONS].find_one(
        {"_id": transaction_key(station, transaction_id)}
    )
    return doc


async def find_by_id(db: AsyncDatabase[Any], transaction_id: str) -> list[dict[str, Any]]:
    """A transactionId is unique per station only; the API may see several."""
    cursor = db[names.TRANSACTIONS].find({"transactionId": transaction_id})
    return [doc async for doc in cursor]


async def events(db: AsyncDatabase[Any], station: str, transaction_id: str) -> list[dict[str, Any]]:
    cursor = (
        db[names.TRANSACTION_EVENTS]
        .find({"station": station, "transactionId": transaction_id}, {"_id": 0})
        .sort("seqNo", 1)
    )
    return [doc async for doc in cursor]


async def list_filtered(
    db: AsyncDatabase[Any], station: str | None, active: bool | None, limit: int, skip: int
) -> list[dict[str, Any]]:
    query: dict[str, Any] = {}
    if station:
        query["station"] = station
    if active is True:
        query["endedAt"] = {"$exists": False}
    elif active is False:
        query["endedAt"] = {"$exists": True}
    cursor = db[names.TRANSACTIONS].find(query).sort("startedAt", -1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def set_fields(
    db: AsyncDatabase[Any], station: str, transaction_id: str, fields: dict[str, Any]
) -> None:
    await db[names.TRANSACTIONS].update_one(
        {"_id": transaction_key(station, transaction_id)}, {"$set": fields}
    )


async def find_by_command(db: AsyncDatabase[Any], command_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.TRANSACTIONS].find_one({"commandId": command_id})
    return doc


async def running_on(db: AsyncDatabase[Any], stations: list[str]) -> list[dict[str, Any]]:
    """The transactions of ``stations`` that have not ended (index station + endedAt)."""
    cursor = db[names.TRANSACTIONS].find(
        {"station": {"$in": stations}, "endedAt": {"$exists": False}}
    )
    return [doc async for doc in cursor]


async def started_since(
    db: AsyncDatabase[Any], stations: list[str], since: datetime
) -> list[dict[str, Any]]:
    """Every transaction of ``stations`` that started at or after ``since``, ended or not
    (which transaction is its EVSE's latest): station, transactionId, evseId, startedAt."""
    cursor = db[names.TRANSACTIONS].find(
        {"station": {"$in": stations}, "startedAt": {"$gte": since}},
        {"_id": 0, "station": 1, "transactionId": 1, "evseId": 1, "startedAt": 1},
    )
    return [doc async for doc in cursor]


async def running(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    """The station's transactions without ``endedAt``: transactionId and evseId (absent
    until an event names the EVSE)."""
    cursor = db[names.TRANSACTIONS].find(
        {"station": station, "endedAt": {"$exists": False}},
        {"_id": 0, "transactionId": 1, "evseId": 1},
    )
    return [doc async for doc in cursor]


async def count_running(db: AsyncDatabase[Any]) -> int:
    return await db[names.TRANSACTIONS].count_documents({"endedAt": {"$exists": False}})


async def for_trends(db: AsyncDatabase[Any], since: datetime) -> list[dict[str, Any]]:
    """The summaries the dashboard's trends need: every transaction started since
    ``since``, and every one still running (index startedAt on MongoDB)."""
    cursor = db[names.TRANSACTIONS].find(
        {"$or": [{"startedAt": {"$gte": since}}, {"endedAt": {"$exists": False}}]},
        {
            "_id": 0,
            "startedAt": 1,
            "endedAt": 1,
            "lastEventAt": 1,
            "meterStartWh": 1,
            "meterLastWh": 1,
        },
    )
    return [doc async for doc in cursor]


async def running_priced(db: AsyncDatabase[Any]) -> list[dict[str, Any]]:
    """The running transactions under a tariff whose station is sent costs, with what the
    CostUpdated sweep prices them from (one query; ``shared.cost_schedule`` decides)."""
    cursor = db[names.TRANSACTIONS].find(
        {"endedAt": {"$exists": False}, "tariff.currency": {"$exists": True}, "costsOff": False},
        {
            "_id": 0,
            "station": 1,
            "transactionId": 1,
            "tariff": 1,
            "costsOff": 1,
            "ocppVersion": 1,
            "startedAt": 1,
            "meterStartWh": 1,
            "meterLastWh": 1,
        },
    )
    return [doc async for doc in cursor]
