"""``display_messages`` and ``display_message_reports``: the messages a station shows (O01-O06).

``display_messages`` is the CSMS's view, one document per station and message id, ``_id`` =
``<station>/<messageId>``, as the station keeps them: a SetDisplayMessage with an id the
station holds replaces that message (O06), and so does ``put`` here. Written by the API only
(one writer per document): ``put`` after the station accepted SetDisplayMessage, ``delete``
after it answered ClearDisplayMessage, ``replace_from_report`` after a complete
NotifyDisplayMessages answer to the API's GetDisplayMessages.

``display_message_reports`` holds the NotifyDisplayMessages parts, written by the workers:
each part inserted once under its message's record id (the message has no sequence number).

``source`` says how the CSMS learnt of a message: ``api`` (it sent it) or ``station`` (only
a report named it: set by someone else, or sent by the CSMS without an answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once, reports

SOURCE_API = "api"
SOURCE_STATION = reports.SOURCE_STATION
REPORTED = reports.REPORTED
"""``status`` of a message only a report told of (no SetDisplayMessage answer to show)."""


def message_key(station: str, message_id: int) -> str:
    return f"{station}/{message_id}"


def document(station: str, info: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A message's whole document from its MessageInfo; ``fields`` adds source, status,
    commandId and times."""
    return {
        "_id": message_key(station, info["id"]),
        "station": station,
        "messageId": info["id"],
        "messageInfo": info,
        **fields,
    }


async def put(db: AsyncDatabase[Any], doc: dict[str, Any]) -> None:
    """Store a message the station accepted, replacing one with the same id."""
    await db[names.DISPLAY_MESSAGES].replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def get(db: AsyncDatabase[Any], station: str, message_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.DISPLAY_MESSAGES].find_one(
        {"_id": message_key(station, message_id)}
    )
    return doc


async def delete(db: AsyncDatabase[Any], station: str, message_id: int) -> bool:
    """False when nothing was stored under that id."""
    result = await db[names.DISPLAY_MESSAGES].delete_one({"_id": message_key(station, message_id)})
    return bool(result.deleted_count)


async def for_station(
    db: AsyncDatabase[Any], station: str, limit: int = 0, skip: int = 0
) -> list[dict[str, Any]]:
    """By message id; ``limit`` 0 reads them all."""
    cursor = (
        db[names.DISPLAY_MESSAGES]
        .find({"station": station})
        .sort("messageId", 1)
        .skip(skip)
        .limit(limit)
    )
    return [doc async for doc in cursor]


def _same(stored: dict[str, Any], reported: dict[str, Any]) -> bool:
    """Does the station show what the CSMS stored? Only what the driver sees and when is
    compared: a station may write the date-times in another form."""
    keys = ("priority", "state", "transactionId", "message")
    return all(stored.get(k) == reported.get(k) for k in keys)


async def replace_from_report(
    db: AsyncDatabase[Any],
    station: str,
    reported: Iterable[dict[str, Any]],
    asked_at: datetime,
    at: datetime,
) -> tuple[list[int], list[int]]:
    """Make the stored view what a complete report says the station holds.

    A stored message the report does not name is removed, unless it was stored after the
    report was asked for (``asked_at``): the station accepted it after it had reported. A
    reported one the CSMS does not hold, or holds with another priority, state, transaction
    or content, is stored as the station's (``source`` station); one it holds as reported is
    kept with ``reportedAt``. Returns the message ids removed and the ids stored from the
    report.
    """
    return await reports.replace_from_report(
        db,
        names.DISPLAY_MESSAGES,
        {doc["messageId"]: doc for doc in await for_station(db, station)},
        {info["id"]: info for info in reported},
        lambda doc, info: _same(doc["messageInfo"], info),
        lambda _message_id, info: document(station, info, reports.learnt_fields(at)),
        asked_at,
        at,
    )


async def add_report(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    """One NotifyDisplayMessages part; False if this message was stored before."""
    return await insert_once(db, names.DISPLAY_MESSAGE_REPORTS, doc)


async def report(db: AsyncDatabase[Any], station: str, request_id: int) -> list[dict[str, Any]]:
    """The NotifyDisplayMessages parts received so far for one GetDisplayMessages."""
    cursor = db[names.DISPLAY_MESSAGE_REPORTS].find({"station": station, "requestId": request_id})
    return [doc async for doc in cursor]
