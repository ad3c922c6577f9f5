"""/api/v1/local-lists/{listId}: local authorization lists (D01) and their state per station.

PUT stores the list (id tokens known to /id-tokens, registered stations, each station in
one list at most: a station holds one local list) and answers at once with each station's
status Updating; the driver (``store/local_list_sync.py``, started here by
``api.local_list_sync``) then sends each station what it lacks; an offline station gets it
when it comes back. A station dropped from the list gets its list emptied. DELETE empties
the list on every station it names and keeps it, empty, so its per-station state stays
visible.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from shared.ocppj import STATION_ID_PATTERN
from store import id_tokens, local_lists, stations

from .. import local_list_sync
from ..errors import ApiError, json_response, read_json
from ..keys import DB
from .id_tokens import MAX_TOKEN

LIST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MAX_TOKENS = 10_000
MAX_STATIONS = 1_000


def checked_list_id(list_id: str) -> str:
    if not LIST_ID.fullmatch(list_id):
        raise ApiError(400, "Invalid listId", "1 to 64 characters of a-z A-Z 0-9 . _ : -")
    return list_id


def _list_id(request: web.Request) -> str:
    return checked_list_id(request.match_info["listId"])


def _strings(body: dict[str, Any], name: str, limit: int) -> list[str]:
    values = body.get(name)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ApiError(422, f"{name} must be a list of strings")
    if len(values) > limit:
        raise ApiError(422, f"{name} holds at most {limit} values")
    if len(set(values)) != len(values):
        raise ApiError(422, f"{name} must not repeat a value")
    return values


async def validated(
    request: web.Request, list_id: str, body: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """The PUT body's tokens and stations, checked and the stations claimed for the list
    (the console's form goes through here too)."""
    db = request.app[DB]
    unknown = set(body) - {"idTokens", "stations"}
    if unknown:
        raise ApiError(422, "Unknown fields", sorted(unknown))
    tokens = _strings(body, "idTokens", MAX_TOKENS)
    members = _strings(body, "stations", MAX_STATIONS)
    bad = [t for t in tokens if not 0 < len(t) <= MAX_TOKEN]
    if bad:
        raise ApiError(422, f"An idToken is 1 to {MAX_TOKEN} characters", bad)
    missing = [t for t in tokens if await id_tokens.get(db, t) is None]
    if missing:
        raise ApiError(422, "Unknown idTokens (PUT them to /api/v1/id-tokens first)", missing)
    invalid = [s for s in members if not STATION_ID_PATTERN.fullmatch(s)]
    if invalid:
        raise ApiError(422, "Invalid station ids", invalid)
    unregistered = [s for s in members if await stations.get(db, s) is None]
    if unregistered:
        raise ApiError(422, "Unknown stations", unregistered)
    taken = await local_lists.claim(db, list_id, members)
    if taken:
        raise ApiError(409, "Stations already in another list (a station holds one)", taken)
    return tokens, members


async def view(request: web.Request, doc: dict[str, Any]) -> dict[str, Any]:
    syncs = await local_lists.get_syncs(request.app[DB], doc["_id"], doc["stations"])
    return {
        "listId": doc["_id"],
        "idTokens": doc["idTokens"],
        "stations": {
            s: {
                "version": syncs.get(s, {}).get("version", 0),
                "status": syncs.get(s, {}).get("status", local_lists.UPDATING),
                "lastError": syncs.get(s, {}).get("lastError"),
            }
            for s in doc["stations"]
        },
    }


async def store_and_sync(
    request: web.Request, list_id: str, tokens: list[str], members: list[str]
) -> tuple[bool, dict[str, Any]]:
    db = request.app[DB]
    previous = await local_lists.get(db, list_id)
    dropped = [s for s in (previous or {}).get("stations", []) if s not in members]
    await local_lists.release_others(db, list_id, members)
    created = await local_lists.put(db, list_id, tokens, members)
    for station in [*members, *dropped]:
        await local_lists.set_status(db, station, list_id, local_lists.UPDATING, None)
    local_list_sync.start(request.app, [*members, *dropped], list_id)
    doc = await local_lists.get(db, list_id)
    assert doc is not None
    return created, await view(request, doc)


async def put_list(request: web.Request) -> web.Response:
    list_id = _list_id(request)
    tokens, members = await validated(request, list_id, await read_json(request))
    created, view = await store_and_sync(request, list_id, tokens, members)
    return json_response(view, 201 if created else 200)


async def get_list(request: web.Request) -> web.Response:
    list_id = _list_id(request)
    doc = await local_lists.get(request.app[DB], list_id)
    if doc is None:
        raise ApiError(404, "Unknown local list", list_id)
    return json_response(await view(request, doc))


async def delete_list(request: web.Request) -> web.Response:
    list_id = _list_id(request)
    doc = await local_lists.get(request.app[DB], list_id)
    if doc is None:
        raise ApiError(404, "Unknown local list", list_id)
    _, view = await store_and_sync(request, list_id, [], doc["stations"])
    return json_response(view)


ROUTES = [
    web.put("/api/v1/local-lists/{listId}", put_list),
    web.get("/api/v1/local-lists/{listId}", get_list),
    web.delete("/api/v1/local-lists/{listId}", delete_list),
]
