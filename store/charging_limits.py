"""What stations report for smart charging (K): ``charging_limits``, ``ev_charging_needs``,
``ev_charging_schedules`` and ``charging_profile_reports``.

Every write is by ``_id`` alone, a key built from the station and the message's own ids:

* an external limit per station, EVSE and ``chargingLimitSource``
  (``<station>/<evseId>/<source>``, evseId 0 when the station sent none: the whole
  station), set by NotifyChargingLimit and marked ``active: False`` by ClearedChargingLimit;
* the last EV charging needs and the last EV charging schedule per EVSE
  (``<station>/<evseId>``);
* each ReportChargingProfiles part, inserted once under the message's record id.

The first three keep the last message handled. None of these messages carries a time of
its own, so a redelivery of an older message that arrives after a newer one overwrites it;
a redelivery of the same message writes the same fields again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once, upsert

WHOLE_STATION = 0
"""The EVSE part of a limit's key when the station named none."""


def limit_key(station: str, evse_id: int | None, source: str) -> str:
    return f"{station}/{WHOLE_STATION if evse_id is None else evse_id}/{source}"


def evse_key(station: str, evse_id: int) -> str:
    return f"{station}/{evse_id}"


async def set_limit(
    db: AsyncDatabase[Any], station: str, evse_id: int | None, source: str, fields: dict[str, Any]
) -> None:
    """NotifyChargingLimit: the limit ``source`` now sets on the station or one EVSE."""
    await _write_limit(
        db,
        station,
        evse_id,
        source,
        {"active": True, "clearedAt": None, "clearedBy": None, **fields},
    )


async def clear_limit(
    db: AsyncDatabase[Any],
    station: str,
    evse_id: int | None,
    source: str,
    at: datetime,
    message_id: str,
) -> None:
    """ClearedChargingLimit: ``source`` no longer limits the station or that EVSE. The
    document stays (with ``active: False``), also for a limit never reported."""
    await _write_limit(
        db, station, evse_id, source, {"active": False, "clearedAt": at, "clearedBy": message_id}
    )


async def _write_limit(
    db: AsyncDatabase[Any], station: str, evse_id: int | None, source: str, fields: dict[str, Any]
) -> None:
    doc = {"station": station, "evseId": evse_id, "chargingLimitSource": source, **fields}
    await upsert(
        db, names.CHARGING_LIMITS, {"_id": limit_key(station, evse_id, source)}, {"$set": doc}
    )


async def set_needs(
    db: AsyncDatabase[Any], station: str, evse_id: int, fields: dict[str, Any]
) -> None:
    doc = {"station": station, "evseId": evse_id, **fields}
    await upsert(db, names.EV_CHARGING_NEEDS, {"_id": evse_key(station, evse_id)}, {"$set": doc})


async def get_needs(db: AsyncDatabase[Any], station: str, evse_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.EV_CHARGING_NEEDS].find_one(
        {"_id": evse_key(station, evse_id)}
    )
    return doc


async def get_schedule(db: AsyncDatabase[Any], station: str, evse_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.EV_CHARGING_SCHEDULES].find_one(
        {"_id": evse_key(station, evse_id)}
    )
    return doc


async def set_schedule(
    db: AsyncDatabase[Any], station: str, evse_id: int, fields: dict[str, Any]
) -> None:
    doc = {"station": station, "evseId": evse_id, **fields}
    await upsert(
        db, names.EV_CHARGING_SCHEDULES, {"_id": evse_key(station, evse_id)}, {"$set": doc}
    )


async def add_profile_report(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    """One ReportChargingProfiles part; False if this message was stored before."""
    return await insert_once(db, names.CHARGING_PROFILE_REPORTS, doc)


async def needs_of(db: AsyncDatabase[Any], stations: list[str]) -> list[dict[str, Any]]:
    """The last EV charging needs of every EVSE of ``stations``."""
    return [doc async for doc in db[names.EV_CHARGING_NEEDS].find({"station": {"$in": stations}})]


async def active_limits_of(db: AsyncDatabase[Any], stations: list[str]) -> list[dict[str, Any]]:
    """The external limits ``stations`` reported (NotifyChargingLimit) and still obey."""
    cursor = db[names.CHARGING_LIMITS].find({"station": {"$in": stations}, "active": True})
    return [doc async for doc in cursor]


async def profile_report(
    db: AsyncDatabase[Any], station: str, request_id: int
) -> list[dict[str, Any]]:
    """The ReportChargingProfiles parts received so far for one GetChargingProfiles."""
    cursor = db[names.CHARGING_PROFILE_REPORTS].find({"station": station, "requestId": request_id})
    return [doc async for doc in cursor]
