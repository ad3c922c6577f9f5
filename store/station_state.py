"""``station_state``: what the CSMS learns about a station over time, one document per fact
(``<station>/<kind>``): boot (with firstAcceptedAt), the ``STATE_*`` kinds
of ``shared.names``. Connection state
and lastSeen, written far more often, have collections of their own (``presence``,
``last_seen``), one small document per station.

Why not fields of the ``stations`` document: these facts are written by different
messages that may be handled at the same moment by different workers (a station's
FirmwareStatusNotification and the result of the UpdateFirmware command that caused it).
MongoDB applies concurrent updates of one document atomically, but FerretDB v1 does not:
measured here, two concurrent ``$set``s of different fields of one document lost one of the
two in 196 of 200 tries. One document per fact and per writer avoids the question.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now

from . import bulk_upsert, find_by_ids, presence, upsert


def _key(station: str, kind: str) -> str:
    return f"{station}/{kind}"


async def put(db: AsyncDatabase[Any], station: str, kind: str, value: Any) -> None:
    await upsert(
        db,
        names.STATION_STATE,
        {"_id": _key(station, kind)},
        {"$set": {"station": station, "kind": kind, "value": value, "at": utc_now()}},
    )


async def seen_many(db: AsyncDatabase[Any], seen: dict[str, datetime]) -> None:
    """One bulk write of ``lastSeen`` for many stations; ``$max`` never moves one back."""
    await bulk_upsert(
        db,
        names.LAST_SEEN,
        [
            UpdateOne({"_id": station}, {"$max": {"at": at}}, upsert=True)
            for station, at in seen.items()
        ],
    )


async def get_kinds(db: AsyncDatabase[Any], station: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    """Only the named facts, each fetched by ``_id``: the hot path's read. FerretDB v1
    answers only ``_id`` equality from an index (any other filter scans the collection:
    measured 3.5 ms against 30 ms at 1,000 documents), so per-message reads stay on ``_id``."""
    docs = await asyncio.gather(
        *(db[names.STATION_STATE].find_one({"_id": _key(station, kind)}) for kind in kinds)
    )
    return {doc["kind"]: doc["value"] for doc in docs if doc is not None}


def no_facts() -> dict[str, Any]:
    """What ``get_all`` answers for a station the CSMS has learnt nothing about yet."""
    return {names.STATE_TRIGGERED: {}, names.STATE_NETWORK_PROFILES: []}


async def _facts(db: AsyncDatabase[Any], station: str) -> dict[str, Any]:
    """The ``station_state`` facts as one mapping: ``triggered`` and ``networkProfiles``
    are assembled."""
    state = no_facts()
    async for doc in db[names.STATION_STATE].find({"station": station}):
        kind: str = doc["kind"]
        if kind.startswith(names.STATE_TRIGGERED_PREFIX):
            message = kind.removeprefix(names.STATE_TRIGGERED_PREFIX)
            state[names.STATE_TRIGGERED][message] = doc["value"]
        elif kind.startswith(names.STATE_NETWORK_PROFILE_PREFIX):
            state[names.STATE_NETWORK_PROFILES].append(doc["value"])
        else:
            state[kind] = doc["value"]
    state[names.STATE_NETWORK_PROFILES].sort(key=lambda p: p["configurationSlot"])
    return state


async def triggered(db: AsyncDatabase[Any], station: str) -> dict[str, Any]:
    """What the station was asked to send by TriggerMessage (for the boot gate while it is
    Pending), without the presence and lastSeen reads an operator view needs."""
    result: dict[str, Any] = (await _facts(db, station))[names.STATE_TRIGGERED]
    return result


async def get_all(db: AsyncDatabase[Any], station: str) -> dict[str, Any]:
    """Every fact as one mapping, with presence and lastSeen (operator views)."""
    facts, current, last_seen = await asyncio.gather(
        _facts(db, station),
        presence.get(db, station),
        db[names.LAST_SEEN].find_one({"_id": station}),
    )
    state = {**current, **facts}
    if last_seen is not None:
        state["lastSeen"] = last_seen["at"]
    return state


async def delete_all(db: AsyncDatabase[Any], station: str) -> None:
    await db[names.STATION_STATE].delete_many({"station": station})
    await presence.delete(db, station)
    await db[names.LAST_SEEN].delete_one({"_id": station})


async def boots_of(db: AsyncDatabase[Any], stations: list[str]) -> dict[str, dict[str, Any]]:
    """The last boot of each of ``stations`` (a page of them) that has one, by station."""
    keys = [_key(station, names.STATE_BOOT) for station in stations]
    docs = await find_by_ids(db, names.STATION_STATE, keys, {"station": 1, "value": 1})
    return {doc["station"]: doc["value"] for doc in docs}


async def booted_as(db: AsyncDatabase[Any], model: str | None, firmware: str | None) -> list[str]:
    """The stations whose last boot reported this model and/or firmware version (exact)."""
    query: dict[str, Any] = {"kind": names.STATE_BOOT}
    if model:
        query["value.chargingStation.model"] = model
    if firmware:
        query["value.chargingStation.firmwareVersion"] = firmware
    cursor = db[names.STATION_STATE].find(query, {"_id": 0, "station": 1})
    return [doc["station"] async for doc in cursor]
