"""The driver that brings a station up to date with its local list (D01): a thin I/O shell
around ``shared.local_lists.plan``, run by the API and by workers. It lives in ``store``, the
one package both may import (``tests/test_layout.py``); the workers' triggers are in
``workers/local_list_sync.py``.

Who starts it: the API (``api/local_list_sync.py``) after a PUT or DELETE of a list and
after a PUT or DELETE of an id token the list names (each station status Updating at
once); workers after an answer that tells a station it is Accepted, for a station whose
status is not InSync (``sync_station(unsynced_only=True)``): its accepted BootNotification,
and the first message of a connection that resumes without a BootNotification (the
gateway's ``Inbound.boot`` is empty on a new connection; the stored boot state Accepted).
That second trigger is a message the station sends, not the gateway's connect event: a
connect comes before the station booted, and nothing may be sent before its boot is
accepted. Both run as ``Context.after_reply`` work, after the station has its answer.

``sync`` reads the list, the station's sync document and its LocalAuthListCtrlr limits,
sends the planned SendLocalListRequests one after the other with ``CommandClient`` and
records after each Accepted one what the station now holds, so an interrupted update
resumes from there. VersionMismatch on a Differential update: the station's list is not
what the CSMS believed, so the held entries are forgotten and the whole list is sent again
as Full (once per sync), numbered above the version the station reports to
GetLocalListVersion. Anything else ends the sync as Failed with ``lastError`` (``offline``
for a station no gateway holds: it gets the update when it comes back, as above); after a
SendLocalList answered Failed the held entries are forgotten too (the station may have
applied part of it), so the next update is Full.

One writer per station, across processes: the sync document (FerretDB v1 loses concurrent
updates) and the version numbers (strictly increasing) need syncs of one station to run
one after the other. Each holds the station's lease (``local_lists.take_lease``: a
``local_list_leases`` document ``_id`` = station, taken by insert, so one of two takers
gets a duplicate key), waits polling while another holds it, renews it after each request
and deletes it at the end. A holder that died leaves a lease that is taken over once it is
``LEASE_SECONDS`` old. A sync reads everything only once it holds the lease, so the one
that waited sends what is current then. Within one process an ``asyncio.Lock`` per
station spares the polling (API).

Not covered: a lease holder that is alive but stalled longer than ``LEASE_SECONDS`` in one
request, and the small takeover race described at ``take_lease``; a worker's sync occupies
one of its prefetch slots while it waits for the station's answers; a station dropped from
a list while offline is emptied only by the next change of that list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import commands, names
from shared import local_lists as planning
from shared.commands import CommandClient
from shared.events import utc_now
from shared.ocpp16_commands import MAX_ID_TAG

from . import device_model, id_tokens, local_lists, presence

log = logging.getLogger("local_lists")

CTRLR = {"name": "LocalAuthListCtrlr"}
LEASE_SECONDS = 300.0
"""A lease older than this is taken to be a dead holder's. A sync renews its lease after
each request it sends, so this bounds one request (its command timeout and more), not the
whole sync."""
LEASE_POLL = 0.2


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _actual(doc: dict[str, Any] | None) -> int | None:
    """The Actual value of a device model variable, from GetVariables or a report."""
    return _int(device_model.actual(doc))


async def limits(db: AsyncDatabase[Any], station: str) -> planning.Limits:
    """LocalAuthListCtrlr ItemsPerMessage and BytesPerMessage (Actual) and the maxLimit of
    Entries, as far as the device model knows them; each read by ``_id``. A station
    connected in 1.6 takes idTokens of at most 20 characters (its idTag)."""
    docs, now = await asyncio.gather(
        asyncio.gather(
            *(
                device_model.get_variable(db, station, CTRLR, {"name": name})
                for name in ("ItemsPerMessage", "BytesPerMessage", "Entries")
            )
        ),
        presence.get(db, station),
    )
    entries = docs[2]
    max_entries = _int((entries or {}).get("characteristics", {}).get("maxLimit"))
    speaks = (now.get("connection") or {}).get("ocppVersion")
    length = MAX_ID_TAG if speaks == names.OCPP16 else None
    return planning.Limits(_actual(docs[0]), _actual(docs[1]), max_entries, length)


async def desired_entries(db: AsyncDatabase[Any], tokens: Iterable[str]) -> list[dict[str, Any]]:
    """The list's entries now; a token deleted since the PUT is left out."""
    now = utc_now()
    docs = await asyncio.gather(*(id_tokens.get(db, t) for t in tokens))
    return [planning.entry_for(d, now) for d in docs if d is not None]


async def sync(
    db: AsyncDatabase[Any],
    client: CommandClient,
    station: str,
    list_id: str,
    wait: float,
    lock: asyncio.Lock | None = None,
) -> None:
    """Bring ``station`` to the current state of list ``list_id`` (empty if the list no
    longer names it), holding the station's lease. ``lock`` (one per station within the
    process) spares concurrent syncs of this process polling the lease. Never raises: the
    outcome is the sync document's status."""
    async with lock or contextlib.nullcontext():
        try:
            async with lease(db, station):
                await _sync(db, client, station, list_id, wait)
        except Exception as exc:  # a background task must not fail silently
            log.exception("local list sync failed", extra={"station": station})
            with contextlib.suppress(Exception):
                await local_lists.set_status(
                    db, station, list_id, local_lists.FAILED, f"internal error: {exc!r}"
                )


async def sync_station(
    db: AsyncDatabase[Any],
    client: CommandClient,
    station: str,
    wait: float,
    *,
    unsynced_only: bool = False,
) -> None:
    """Sync ``station`` with the list naming it (a station holds one), if any;
    ``unsynced_only``: only when its status is not InSync. Never raises."""
    try:
        list_id = await local_lists.list_of(db, station)
        if list_id is None:
            return
        if unsynced_only:
            state = await local_lists.get_sync(db, station, list_id) or {}
            if state.get("status") == local_lists.IN_SYNC:
                return
    except Exception:
        log.exception("could not read the station's local list", extra={"station": station})
        return
    await sync(db, client, station, list_id, wait)


@contextlib.asynccontextmanager
async def lease(db: AsyncDatabase[Any], station: str) -> AsyncIterator[None]:
    """Hold the station's lease (``local_lists.take_lease``) for the block: wait while
    another process holds it; take over one older than ``LEASE_SECONDS``."""
    owner = uuid.uuid4().hex
    while True:
        if await local_lists.take_lease(db, station, owner, LEASE_SECONDS):
            break
        await asyncio.sleep(LEASE_POLL)
    try:
        yield
    finally:
        await local_lists.release_lease(db, station, owner)


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
            await local_lists.renew_lease(db, station)
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
    left_out = [*plan.over_entries, *plan.too_big, *plan.too_long]
    if plan.too_long:
        log.warning(
            "local list entries left out: idToken too long for the station's OCPP version",
            extra={"station": station, "idTokens": [t for t, _ in plan.too_long]},
        )
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
