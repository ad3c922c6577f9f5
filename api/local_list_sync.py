"""The driver that brings each station of a local list up to date (D01): a thin I/O shell
around ``shared.local_lists.plan``.

After a PUT or DELETE of a list the API starts ``sync`` for each station concerned and
answers at once (status Updating). ``sync`` reads the list, the station's sync document and
its LocalAuthListCtrlr limits, sends the planned SendLocalListRequests one after the other
with ``CommandClient`` and records after each Accepted one what the station now holds, so
an interrupted update resumes from there. VersionMismatch on a Differential update: the
station's list is not what the CSMS believed, so the held entries are forgotten and the
whole list is sent again as Full (once per sync), numbered above the version the station
reports to GetLocalListVersion. Anything else ends the sync as Failed
with ``lastError``; after a SendLocalList answered Failed the held entries are forgotten
too (the station may have applied part of it), so the next update is Full.

Writers: the sync document of a station has one writer at a time, this driver, serialized
per station by an ``asyncio.Lock`` held in the API process. NOT covered yet (next step):
several API replicas syncing one station at once (the work belongs on a per-station
ordered queue in the workers), delivery when an offline station reconnects (today: Failed,
``offline``), and propagating id token changes to the lists that hold them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from shared import commands
from shared import local_lists as planning
from shared.commands import CommandClient
from shared.events import utc_now
from store import device_model, id_tokens, local_lists

from .keys import COMMANDS, DB, SETTINGS

log = logging.getLogger("api.local_lists")

CTRLR = {"name": "LocalAuthListCtrlr"}
LOCKS = web.AppKey("local_list_locks", dict[str, asyncio.Lock])
TASKS = web.AppKey("local_list_tasks", set[asyncio.Task[None]])


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _actual(doc: dict[str, Any] | None) -> int | None:
    """The Actual value of a device model variable, from GetVariables or a report."""
    if doc is None:
        return None
    if "Actual" in doc.get("values", {}):
        return _int(doc["values"]["Actual"])
    for attribute in doc.get("attributes", []):
        if attribute.get("type", "Actual") == "Actual":
            return _int(attribute.get("value"))
    return None


async def limits(db: AsyncDatabase[Any], station: str) -> planning.Limits:
    """LocalAuthListCtrlr ItemsPerMessage and BytesPerMessage (Actual) and the maxLimit of
    Entries, as far as the device model knows them; each read by ``_id``."""
    docs = await asyncio.gather(
        *(
            device_model.get_variable(db, station, CTRLR, {"name": name})
            for name in ("ItemsPerMessage", "BytesPerMessage", "Entries")
        )
    )
    entries = docs[2]
    max_entries = _int((entries or {}).get("characteristics", {}).get("maxLimit"))
    return planning.Limits(_actual(docs[0]), _actual(docs[1]), max_entries)


async def desired_entries(db: AsyncDatabase[Any], tokens: Iterable[str]) -> list[dict[str, Any]]:
    """The list's entries now; a token deleted since the PUT is left out."""
    now = utc_now()
    docs = await asyncio.gather(*(id_tokens.get(db, t) for t in tokens))
    return [planning.entry_for(d, now) for d in docs if d is not None]


async def sync(app: web.Application, station: str, list_id: str) -> None:
    """Bring ``station`` to the current state of list ``list_id`` (empty if the list no
    longer names it). Never raises: the outcome is the sync document's status."""
    lock = app[LOCKS].setdefault(station, asyncio.Lock())  # a station holds one list
    async with lock:
        try:
            await _sync(app[DB], app[COMMANDS], station, list_id, app[SETTINGS].command_timeout)
        except Exception as exc:  # the API must not lose a task silently
            log.exception("local list sync failed", extra={"station": station})
            await local_lists.set_status(
                app[DB], station, list_id, local_lists.FAILED, f"internal error: {exc!r}"
            )


async def _sync(
    db: AsyncDatabase[Any], client: CommandClient, station: str, list_id: str, wait: float
) -> None:
    doc = await local_lists.get(db, list_id)
    tokens = doc["idTokens"] if doc and station in doc["stations"] else []
    desired = await desired_entries(db, tokens)
    station_limits = await limits(db, station)
    state = await local_lists.get_sync(db, station, list_id) or {}
    version: int = state.get("version") or await local_lists.last_version(db, station)
    held: list[dict[str, Any]] | None = state.get("entries")
    resent_full = False
    while True:
        plan = planning.plan(version, held, desired, station_limits)
        mismatch = False
        for request in plan.requests:
            result = await client.send(station, planning.ACTION, request, timeout=wait)
            assert result is not None
            if result.status != commands.ANSWERED:
                error = f"{result.status}: {result.error_description or result.error_code}"
                await local_lists.set_status(db, station, list_id, local_lists.FAILED, error)
                return
            answer = (result.response or {}).get("status")
            if answer == "Accepted":
                held = planning.apply(held or [], request)
                version = request["versionNumber"]
                await local_lists.set_held(
                    db, station, list_id, version, held, local_lists.UPDATING
                )
                continue
            held = None  # the station's list is not what the CSMS believed
            await local_lists.set_held(
                db, station, list_id, version, None, local_lists.FAILED, f"station: {answer}"
            )
            if answer == "VersionMismatch" and request["updateType"] == planning.DIFFERENTIAL:
                mismatch = True
                version = await _station_version(client, station, wait, version)
                break
            return
        if not mismatch:
            break
        if resent_full:
            return
        resent_full = True
    left_out = [*plan.over_entries, *plan.too_big]
    if left_out:
        error = "left out: " + ", ".join(f"{t}/{k}" for t, k in left_out)
        await local_lists.set_held(db, station, list_id, version, held, local_lists.FAILED, error)
    else:
        await local_lists.set_held(db, station, list_id, version, held, local_lists.IN_SYNC)


async def _station_version(client: CommandClient, station: str, wait: float, ours: int) -> int:
    """The version to follow after a VersionMismatch: the station's own (GetLocalListVersion,
    D02) when above ours, so the Full update is above both whatever the station compares."""
    result = await client.send(station, "GetLocalListVersion", {}, timeout=wait)
    if result is None or result.status != commands.ANSWERED or result.response is None:
        return ours
    theirs = result.response.get("versionNumber", 0)
    return max(ours, theirs) if isinstance(theirs, int) else ours


def start(app: web.Application, stations: Iterable[str], list_id: str) -> None:
    """Start a sync of each station in the background; the app keeps the tasks."""
    for station in stations:
        task = asyncio.create_task(sync(app, station, list_id))
        app[TASKS].add(task)
        task.add_done_callback(app[TASKS].discard)


async def tasks_ctx(app: web.Application):  # type: ignore[no-untyped-def]
    app[LOCKS] = {}
    tasks: set[asyncio.Task[None]] = set()
    app[TASKS] = tasks
    yield
    running = list(tasks)
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
