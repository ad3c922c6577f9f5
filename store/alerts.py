"""``alerts`` and ``alert_acks``: what a station's monitors raised (N07 NotifyEvent with a
``trigger`` of Alerting, active until it reports them ``cleared``, or Delta, a notice stored
inactive), and which of them an operator acknowledged.

One writer per document (FerretDB v1): an alert is inserted and later cleared by the
workers only; an acknowledgement is the API's own document in ``alert_acks`` under the
alert's ``_id``, merged in when reading. An alert's ``_id`` derives from the station and
the event (the message's generatedAt and seqNo, the eventId), so a redelivered or resent
NotifyEvent raises it once. ``target`` is the component and variable as one string, so a
clear finds the alerts it ends without comparing sub-documents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import event_id

from . import insert_many_once, insert_once


def alert_id(station: str, generated_at: str, seq_no: int, event: int) -> str:
    """A URL-safe id, the same for every copy of the NotifyEvent that raised it."""
    return event_id(names.ALERTS, station, f"{generated_at}/{seq_no}/{event}")


def target(component: dict[str, Any], variable: dict[str, Any]) -> str:
    evse = component.get("evse") or {}
    parts = (
        component["name"],
        component.get("instance", ""),
        evse.get("id", ""),
        evse.get("connectorId", ""),
        variable["name"],
        variable.get("instance", ""),
    )
    return "|".join(map(str, parts))


async def raise_all(db: AsyncDatabase[Any], docs: list[dict[str, Any]]) -> None:
    """Store new alerts; ones stored before (a redelivery) are left as they are."""
    await insert_many_once(db, names.ALERTS, docs)


async def clear(
    db: AsyncDatabase[Any],
    station: str,
    where: str,
    monitor_id: int | None,
    cleared_by: str,
    at: datetime,
) -> list[dict[str, Any]]:
    """End the active alerts of ``where`` (of that monitor, when the clear names one) and
    return every alert this clear ended, also those a lost worker ended before."""
    query: dict[str, Any] = {"station": station, "target": where, "active": True}
    if monitor_id is not None:
        query["variableMonitoringId"] = monitor_id
    await db[names.ALERTS].update_many(
        query, {"$set": {"active": False, "clearedAt": at, "clearedBy": cleared_by}}
    )
    cursor = db[names.ALERTS].find({"station": station, "clearedBy": cleared_by})
    return [doc async for doc in cursor]


async def get(db: AsyncDatabase[Any], alert: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.ALERTS].find_one({"_id": alert})
    return doc


async def ack_of(db: AsyncDatabase[Any], alert: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.ALERT_ACKS].find_one({"_id": alert})
    return doc


async def acknowledge(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    """False when the alert was acknowledged before (the first acknowledgement stays)."""
    return await insert_once(db, names.ALERT_ACKS, doc)


async def find(
    db: AsyncDatabase[Any],
    station: str | None,
    active: bool | None,
    acknowledged: bool | None,
    limit: int,
    skip: int,
    active_first: bool = False,
) -> list[dict[str, Any]]:
    """Alerts newest first (the active ones before the others with ``active_first``),
    each with its acknowledgement (``ack``, or None).

    ``acknowledged`` reads the acknowledged ids first (of the station, when given), so it
    costs one read of ``alert_acks``."""
    query: dict[str, Any] = {}
    if station is not None:
        query["station"] = station
    if active is not None:
        query["active"] = active
    if acknowledged is not None:
        ack_query = {} if station is None else {"station": station}
        acked = [doc["_id"] async for doc in db[names.ALERT_ACKS].find(ack_query, {"_id": 1})]
        query["_id"] = {"$in" if acknowledged else "$nin": acked}
    order = [("active", -1), ("raisedAt", -1)] if active_first else [("raisedAt", -1)]
    cursor = db[names.ALERTS].find(query).sort(order).skip(skip).limit(limit)
    docs = [doc async for doc in cursor]
    ids = [doc["_id"] for doc in docs]
    acks = {a["_id"]: a async for a in db[names.ALERT_ACKS].find({"_id": {"$in": ids}})}
    return [{**doc, "ack": acks.get(doc["_id"])} for doc in docs]


async def count_active(db: AsyncDatabase[Any]) -> int:
    return await db[names.ALERTS].count_documents({"active": True})
