"""``commands``: every CSMS-initiated command and how it ended (the audit log)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.commands import PENDING, redact
from shared.envelope import CommandResult
from shared.events import utc_now

from . import upsert


def _time(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


async def record_pending(
    db: AsyncDatabase[Any],
    command_id: str,
    station: str,
    action: str,
    request: dict[str, Any],
    source: str,
) -> None:
    await db[names.COMMANDS].insert_one(
        {
            "_id": command_id,
            "station": station,
            "action": action,
            "request": redact(action, request),
            "status": PENDING,
            "source": source,
            "createdAt": utc_now(),
        }
    )


async def record_result(db: AsyncDatabase[Any], result: CommandResult) -> None:
    """Everything about the outcome but its status (``record_status``, once its effects are
    applied: whoever polls a command must find them in place when it reads "answered").
    Idempotent: a redelivered result writes the same fields again."""
    error = None
    if result.error_code or result.error_description:
        error = {
            "code": result.error_code,
            "description": result.error_description,
            "details": result.error_details,
        }
    await upsert(
        db,
        names.COMMANDS,
        {"_id": result.command_id},
        {
            "$set": {
                "station": result.station,
                "action": result.action,
                "request": redact(result.action, result.request),
                "response": result.response,
                "error": error,
                "sentAt": _time(result.sent_at),
                "completedAt": _time(result.completed_at),
            },
            "$setOnInsert": {
                "createdAt": _time(result.completed_at),
                "source": "bus",
                "status": PENDING,
            },
        },
    )


async def record_status(db: AsyncDatabase[Any], result: CommandResult) -> None:
    await set_fields(db, result.command_id, {"status": result.status})


async def set_fields(db: AsyncDatabase[Any], command_id: str, fields: dict[str, Any]) -> None:
    await db[names.COMMANDS].update_one({"_id": command_id}, {"$set": fields})


async def get(db: AsyncDatabase[Any], command_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.COMMANDS].find_one({"_id": command_id})
    return doc


async def find_remote_start(
    db: AsyncDatabase[Any], station: str, remote_start_id: int
) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.COMMANDS].find_one(
        {
            "station": station,
            "action": "RequestStartTransaction",
            "request.remoteStartId": remote_start_id,
        }
    )
    return doc


async def list_for(
    db: AsyncDatabase[Any], station: str | None, limit: int, skip: int
) -> list[dict[str, Any]]:
    query = {"station": station} if station else {}
    cursor = db[names.COMMANDS].find(query).sort("createdAt", -1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def recent(
    db: AsyncDatabase[Any], station: str, action: str, since: datetime
) -> list[dict[str, Any]]:
    cursor = db[names.COMMANDS].find(
        {"station": station, "action": action, "createdAt": {"$gte": since}}
    )
    return [doc async for doc in cursor]
