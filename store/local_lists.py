"""``local_lists`` and ``local_list_sync``: local authorization lists (D01, D02).

``local_lists``: one document per list (``_id`` = listId): ``idTokens`` (values of
``id_tokens`` documents) and ``stations``. Written only by the operator API (PUT, DELETE),
each time as one whole-document replace, never read-modify-write: two operators writing
one list at once leave the last one's list, nothing mixed.

``local_list_sync``: one document per station and list (``_id`` = ``<station>/<listId>``):
the list ``version`` and ``entries`` the station is known to hold (``entries`` None: not
known, the next update is Full), ``status`` (InSync, Updating, Failed) and ``lastError``.
FerretDB v1 loses concurrent updates of one document, so it has one writer at a time: the
driver sending that station its list (``store/local_list_sync.py``, run by the API and
workers), serialized per station across processes by a lease.

``local_list_leases``: one document per station (``_id`` = station) while a driver syncs
it: ``owner`` and ``at`` (last renewed). See ``take_lease``.

``local_list_members``: one document per station in a list (``_id`` = station, ``list``),
written only by the API: inserting it is the claim, so a station is in one list even when
two lists are written at once, and a station coming back finds its list by ``_id`` instead
of a scan of ``local_lists``. ``backfill_members`` creates the ones lists written before
this collection existed need (the API runs it at start).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared import names
from shared.events import utc_now

from . import insert_once, upsert

IN_SYNC = "InSync"
UPDATING = "Updating"
FAILED = "Failed"
STATUSES = (IN_SYNC, UPDATING, FAILED)


def sync_id(station: str, list_id: str) -> str:
    return f"{station}/{list_id}"


async def get(db: AsyncDatabase[Any], list_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.LOCAL_LISTS].find_one({"_id": list_id})
    return doc


async def put(
    db: AsyncDatabase[Any], list_id: str, id_tokens: list[str], stations: list[str]
) -> bool:
    """Replace the list; True when it is new."""
    now = utc_now()
    previous = await get(db, list_id)
    doc = {
        "_id": list_id,
        "idTokens": id_tokens,
        "stations": stations,
        "createdAt": previous["createdAt"] if previous else now,
        "updatedAt": now,
    }
    await db[names.LOCAL_LISTS].replace_one({"_id": list_id}, doc, upsert=True)
    return previous is None


async def list_all(db: AsyncDatabase[Any], limit: int, skip: int) -> list[dict[str, Any]]:
    """Lists by id, a page at a time: the console's overview."""
    cursor = db[names.LOCAL_LISTS].find({}).sort("_id", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def list_of(db: AsyncDatabase[Any], station: str) -> str | None:
    """The id of the list the station is in, if any: one ``_id`` read."""
    doc = await db[names.LOCAL_LIST_MEMBERS].find_one({"_id": station})
    return None if doc is None else str(doc["list"])


async def claim(db: AsyncDatabase[Any], list_id: str, stations: list[str]) -> dict[str, str]:
    """Put ``stations`` in the list; returns the ones another list holds (station -> that
    list), in which case nothing was claimed."""
    taken: dict[str, str] = {}
    claimed: list[str] = []
    for station in stations:
        if await insert_once(db, names.LOCAL_LIST_MEMBERS, {"_id": station, "list": list_id}):
            claimed.append(station)
            continue
        holder = await db[names.LOCAL_LIST_MEMBERS].find_one({"_id": station})
        if holder is not None and holder["list"] != list_id:
            taken[station] = holder["list"]
    if taken and claimed:
        await db[names.LOCAL_LIST_MEMBERS].delete_many({"_id": {"$in": claimed}, "list": list_id})
    return taken


async def release_others(db: AsyncDatabase[Any], list_id: str, keep: list[str]) -> None:
    """The list's stations are now ``keep``: the others may join another list."""
    await db[names.LOCAL_LIST_MEMBERS].delete_many({"list": list_id, "_id": {"$nin": keep}})


async def backfill_members(db: AsyncDatabase[Any]) -> int:
    """Member documents for lists stored before ``local_list_members`` existed (a scan of
    ``local_lists``, once at start); how many were missing."""
    added = 0
    async for doc in db[names.LOCAL_LISTS].find({}, {"stations": 1}):
        for station in doc.get("stations", []):
            member = {"_id": station, "list": doc["_id"]}
            added += await insert_once(db, names.LOCAL_LIST_MEMBERS, member)
    return added


async def get_sync(db: AsyncDatabase[Any], station: str, list_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.LOCAL_LIST_SYNC].find_one(
        {"_id": sync_id(station, list_id)}
    )
    return doc


async def get_syncs(
    db: AsyncDatabase[Any], list_id: str, stations: list[str]
) -> dict[str, dict[str, Any]]:
    """The sync documents of these stations, each read by ``_id``."""
    docs = await asyncio.gather(*(get_sync(db, s, list_id) for s in stations))
    return {doc["station"]: doc for doc in docs if doc is not None}


async def _write_sync(
    db: AsyncDatabase[Any], station: str, list_id: str, fields: dict[str, Any]
) -> None:
    now = utc_now()
    await upsert(
        db,
        names.LOCAL_LIST_SYNC,
        {"_id": sync_id(station, list_id)},
        {
            "$set": {**fields, "station": station, "listId": list_id, "updatedAt": now},
            "$setOnInsert": {"createdAt": now},
        },
    )


async def set_status(
    db: AsyncDatabase[Any], station: str, list_id: str, status: str, last_error: str | None
) -> None:
    """Status and lastError only; what the station holds is unchanged."""
    await _write_sync(db, station, list_id, {"status": status, "lastError": last_error})


async def set_held(
    db: AsyncDatabase[Any],
    station: str,
    list_id: str,
    version: int,
    entries: list[dict[str, Any]] | None,
    status: str,
    last_error: str | None = None,
) -> None:
    """What the station holds: ``version`` and ``entries`` (None: not known, so the next
    update is Full), with status and lastError."""
    await _write_sync(
        db,
        station,
        list_id,
        {"version": version, "entries": entries, "status": status, "lastError": last_error},
    )


async def last_version(db: AsyncDatabase[Any], station: str) -> int:
    """The highest list version recorded for the station in any list: a station holds one
    list, whichever list it is in, and its versions only go up. Not an ``_id`` filter (a
    scan on FerretDB v1): read only when a station has no state in its list yet."""
    versions = [
        doc.get("version", 0)
        async for doc in db[names.LOCAL_LIST_SYNC].find({"station": station}, {"version": 1})
    ]
    return max(versions, default=0)


async def lists_holding(db: AsyncDatabase[Any], id_token: str) -> list[dict[str, Any]]:
    """The lists naming ``id_token``. Not an ``_id`` filter (a scan of ``local_lists``, one
    small document per list on FerretDB v1): read after an operator changes a token."""
    cursor = db[names.LOCAL_LISTS].find({"idTokens": id_token})
    return [doc async for doc in cursor]


async def take_lease(db: AsyncDatabase[Any], station: str, owner: str, seconds: float) -> bool:
    """Take the station's lease (``local_list_leases``, ``_id`` = station) for ``owner``;
    False while another holds it. Taken with an insert, so of two takers one gets a
    duplicate key. A lease not renewed for ``seconds`` is a dead holder's: it is deleted
    (by ``_id`` and its owner) and the insert tried again. Small window left on FerretDB v1:
    a taker that read the stale lease may delete a lease a third one has just inserted, if
    that one's insert falls between the other's read and delete."""
    now = utc_now()
    doc = {"_id": station, "owner": owner, "at": now}
    try:
        await db[names.LOCAL_LIST_LEASES].insert_one(doc)
        return True
    except DuplicateKeyError:
        pass
    held = await db[names.LOCAL_LIST_LEASES].find_one({"_id": station})
    if held is None or (now - held["at"]).total_seconds() < seconds:
        return False
    await db[names.LOCAL_LIST_LEASES].delete_one({"_id": station, "owner": held["owner"]})
    try:
        await db[names.LOCAL_LIST_LEASES].insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


async def renew_lease(db: AsyncDatabase[Any], station: str) -> None:
    """Note that the holder is alive (only the holder writes its lease)."""
    await db[names.LOCAL_LIST_LEASES].update_one({"_id": station}, {"$set": {"at": utc_now()}})


async def release_lease(db: AsyncDatabase[Any], station: str, owner: str) -> None:
    await db[names.LOCAL_LIST_LEASES].delete_one({"_id": station, "owner": owner})
