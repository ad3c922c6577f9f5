"""``reservations`` (H01-H04) and ``reservation_facts``: one writer per document.

A reservation's ``_id`` is ``station/reservationId``. Its document is written by the API
only: created as ``Requested`` before ReserveNow is sent, then set to the station's answer
(``Accepted``, or ``Rejected`` with the answer kept in ``answer``) and, on an accepted
CancelReservation, to ``Cancelled``. What stations report afterwards is written by workers
only, each fact once into its own document of ``reservation_facts``
(``station/reservationId/status`` for ReservationStatusUpdate, ``.../transaction`` for the
first TransactionEvent carrying the id): an insert, never an update, so the first report
stays and a redelivery changes nothing.

The state a reader sees is computed from both (``state``): of the final facts (cancelled,
used, expired or removed by the station, and expired by time once ``expiresAt`` has
passed) the earliest wins, so a reservation never leaves a final state, and no background
job is needed for expiry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once

REQUESTED = "Requested"  # ReserveNow sent (or being sent), no answer stored yet
ACCEPTED = "Accepted"
REJECTED = "Rejected"  # any other ReserveNow answer; the answer is kept in ``answer``
CANCELLED = "Cancelled"
USED = "Used"
EXPIRED = "Expired"
REMOVED = "Removed"
ACTIVE = (REQUESTED, ACCEPTED)
FINAL = (REJECTED, CANCELLED, USED, EXPIRED, REMOVED)

FACT_STATUS = "status"
FACT_TRANSACTION = "transaction"


def reservation_key(station: str, reservation_id: int) -> str:
    return f"{station}/{reservation_id}"


# --- the API's writes ---------------------------------------------------------------------


async def create(
    db: AsyncDatabase[Any], station: str, reservation_id: int, fields: dict[str, Any]
) -> bool:
    """Store a new reservation as Requested; False if the id is taken at this station."""
    doc = {
        "_id": reservation_key(station, reservation_id),
        "station": station,
        "reservationId": reservation_id,
        "status": REQUESTED,
        **fields,
    }
    return await insert_once(db, names.RESERVATIONS, doc)


async def set_fields(
    db: AsyncDatabase[Any], station: str, reservation_id: int, fields: dict[str, Any]
) -> None:
    await db[names.RESERVATIONS].update_one(
        {"_id": reservation_key(station, reservation_id)}, {"$set": fields}
    )


async def delete(db: AsyncDatabase[Any], station: str, reservation_id: int) -> None:
    await db[names.RESERVATIONS].delete_one({"_id": reservation_key(station, reservation_id)})


# --- the workers' writes ------------------------------------------------------------------


async def add_fact(
    db: AsyncDatabase[Any], station: str, reservation_id: int, kind: str, fields: dict[str, Any]
) -> bool:
    """Record what a station reported, once per kind; False if one was recorded before."""
    doc = {
        "_id": f"{reservation_key(station, reservation_id)}/{kind}",
        "station": station,
        "reservationId": reservation_id,
        "kind": kind,
        **fields,
    }
    return await insert_once(db, names.RESERVATION_FACTS, doc)


async def facts(db: AsyncDatabase[Any], station: str, reservation_id: int) -> dict[str, Any]:
    """The facts stored for one reservation, by kind (``_id`` lookups only)."""
    found = {}
    for kind in (FACT_STATUS, FACT_TRANSACTION):
        doc = await db[names.RESERVATION_FACTS].find_one(
            {"_id": f"{reservation_key(station, reservation_id)}/{kind}"}
        )
        if doc is not None:
            found[kind] = doc
    return found


# --- reading ------------------------------------------------------------------------------


def state(doc: dict[str, Any], found: dict[str, Any], now: datetime) -> tuple[str, datetime | None]:
    """The reservation's state and since when (None while no final state is reached)."""
    if doc["status"] == REJECTED:
        return REJECTED, doc.get("answeredAt")
    ends: list[tuple[datetime, str]] = []
    if doc["status"] == CANCELLED:
        ends.append((doc["cancelledAt"], CANCELLED))
    if FACT_TRANSACTION in found:
        ends.append((found[FACT_TRANSACTION]["at"], USED))
    if FACT_STATUS in found:
        ends.append((found[FACT_STATUS]["at"], found[FACT_STATUS]["status"]))
    if doc["expiresAt"] <= now:
        ends.append((doc["expiresAt"], EXPIRED))
    if not ends:
        return doc["status"], None
    at, final = min(ends, key=lambda end: end[0])
    return final, at


async def get(db: AsyncDatabase[Any], station: str, reservation_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.RESERVATIONS].find_one(
        {"_id": reservation_key(station, reservation_id)}
    )
    return doc


async def list_filtered(
    db: AsyncDatabase[Any], station: str | None, active: bool | None, limit: int, skip: int
) -> list[dict[str, Any]]:
    """Newest first. ``active=True`` keeps those the API stored as Requested/Accepted; the
    caller computes each one's ``state`` and drops what expired or a station ended, so a
    page may come back shorter than ``limit``."""
    query: dict[str, Any] = {}
    if station:
        query["station"] = station
    if active:
        query["status"] = {"$in": list(ACTIVE)}
    cursor = db[names.RESERVATIONS].find(query).sort("createdAt", -1).skip(skip).limit(limit)
    return [doc async for doc in cursor]
