"""/api/v1/sites: grid connections shared by their stations (site load management).

The API writes a site's definition, its stations (``site_members``: one site per station)
and its external limit, then publishes ``site.changed``; the worker holding the sites queue
recomputes the allocation and sends the limits (``workers/site_driver.py``). What it sent
is read back here from ``site_allocations``. Currents are in A per phase.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from aiohttp import web

from shared import names, site_inputs, site_limits
from shared.events import iso, utc_now
from shared.ocppj import STATION_ID_PATTERN
from shared.site_allocation import effective_limit
from store import sites, stations

from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB, EVENTS, SETTINGS

SITE_ID_PATTERN = site_limits.SITE_ID_PATTERN
FIELDS = ("name", "maxCurrent", "phases", "minCurrent", "stations", "evseMaxCurrent", "voltage")
MAX_STATIONS = 5_000


def site_id(request: web.Request) -> str:
    site = request.match_info["siteId"]
    if not SITE_ID_PATTERN.fullmatch(site):
        raise ApiError(400, "Invalid site id", "1 to 64 characters of a-z A-Z 0-9 . _ ~ -")
    return site


@contextmanager
def _unprocessable() -> Iterator[None]:
    """A body the shared check refuses is the caller's mistake: 422 with its words."""
    try:
        yield
    except site_limits.InvalidLimit as exc:
        raise ApiError(422, str(exc), exc.detail) from None


def _number(body: dict[str, Any], name: str, low: float, *, low_ok: bool = True) -> float:
    with _unprocessable():
        return site_limits.number(body, name, low, low_ok=low_ok)


def _text(body: dict[str, Any], name: str) -> str | None:
    with _unprocessable():
        return site_limits.text(body, name)


def _unknown(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    with _unprocessable():
        site_limits.unknown(body, allowed)


def definition(body: dict[str, Any]) -> dict[str, Any]:
    """A site's stored fields from a PUT body, or 422 naming what is wrong."""
    _unknown(body, FIELDS)
    if "maxCurrent" not in body:
        raise ApiError(422, "maxCurrent is required (A per phase)")
    fields: dict[str, Any] = {
        "name": _text(body, "name"),
        "maxCurrent": _number(body, "maxCurrent", 0, low_ok=False),
        "phases": body.get("phases", site_inputs.DEFAULT_PHASES),
        "minCurrent": _number({"minCurrent": body.get("minCurrent", 6.0)}, "minCurrent", 0),
        "evseMaxCurrent": None,
        "voltage": site_inputs.DEFAULT_VOLTAGE,
    }
    if fields["phases"] not in (1, 2, 3) or isinstance(fields["phases"], bool):
        raise ApiError(422, "phases must be 1, 2 or 3")
    if fields["minCurrent"] > fields["maxCurrent"]:
        raise ApiError(422, "minCurrent must not exceed maxCurrent")
    if body.get("evseMaxCurrent") is not None:
        fields["evseMaxCurrent"] = _number(body, "evseMaxCurrent", 0, low_ok=False)
    if body.get("voltage") is not None:
        fields["voltage"] = _number(body, "voltage", 0, low_ok=False)
    members = body.get("stations", [])
    if (
        not isinstance(members, list)
        or len(members) > MAX_STATIONS
        or not all(isinstance(s, str) and STATION_ID_PATTERN.fullmatch(s) for s in members)
    ):
        raise ApiError(422, f"stations must be a list of at most {MAX_STATIONS} station ids")
    if len(set(members)) != len(members):
        raise ApiError(422, "stations lists a station twice")
    fields["stations"] = members
    return fields


def limit_fields(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An external limit's stored fields from a PUT body, or 422: the check the bus path
    (``workers/sites.py``) makes too."""
    with _unprocessable():
        return site_limits.limit_fields(body, now)


def _limit_view(limit: dict[str, Any] | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    return {
        "maxCurrent": limit["maxCurrent"],
        "until": iso(limit["until"]) if limit.get("until") else None,
        "source": limit.get("source"),
        "updatedAt": iso(limit["updatedAt"]),
    }


async def view(request: web.Request, doc: dict[str, Any]) -> dict[str, Any]:
    db = request.app[DB]
    limit = await sites.get_limit(db, doc["_id"])
    allocation = await sites.get_allocation(db, doc["_id"]) or {}
    now = utc_now()
    if limit is not None and limit.get("until") is not None and limit["until"] <= now:
        limit = None  # ended: no longer part of the site's limit
    entries = allocation.get("limits", [])
    return {
        "siteId": doc["_id"],
        "name": doc.get("name"),
        "maxCurrent": doc["maxCurrent"],
        "phases": doc["phases"],
        "minCurrent": doc["minCurrent"],
        "evseMaxCurrent": doc.get("evseMaxCurrent") or request.app[SETTINGS].site_evse_max_current,
        "voltage": doc.get("voltage"),
        "stations": doc["stations"],
        "updatedAt": iso(doc["updatedAt"]),
        "externalLimit": _limit_view(limit),
        "effectiveLimit": effective_limit(site_inputs.site(doc, limit), now),
        "allocations": [sites.entry_view(e) for e in entries],
        "allocatedCurrent": sites.counted_current(entries),
        "allocationRevision": allocation.get("revision"),
        "computedAt": iso(allocation["computedAt"]) if allocation.get("computedAt") else None,
    }


async def _changed(request: web.Request, site: str, cause: str) -> None:
    await request.app[EVENTS].publish(
        names.EVENT_SITE_CHANGED, site, subject="site", cause=cause, by=names.BY_API
    )


async def put_site(request: web.Request) -> web.Response:
    site = site_id(request)
    fields = definition(await read_json(request))
    db = request.app[DB]
    unknown = [s for s in fields["stations"] if await stations.get(db, s) is None]
    if unknown:
        raise ApiError(422, "Unknown stations: register them first", unknown)
    taken = await sites.claim(db, site, fields["stations"])
    if taken:
        raise ApiError(409, "Stations belong to another site", taken)
    await sites.release_others(db, site, fields["stations"])
    existed = await sites.get(db, site) is not None
    await sites.put(db, site, {**fields, "updatedAt": utc_now()})
    await _changed(request, site, "defined")
    doc = await sites.get(db, site)
    assert doc is not None
    return json_response(await view(request, doc), status=200 if existed else 201)


async def get_site(request: web.Request) -> web.Response:
    doc = await sites.get(request.app[DB], site_id(request))
    if doc is None:
        raise ApiError(404, "Unknown site", request.match_info["siteId"])
    return json_response(await view(request, doc))


async def list_sites(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    docs = await sites.list_all(request.app[DB], limit, skip)
    return json_response([await view(request, doc) for doc in docs])


async def delete_site(request: web.Request) -> web.Response:
    site = site_id(request)
    if not await sites.delete(request.app[DB], site):
        raise ApiError(404, "Unknown site", site)
    await _changed(request, site, "deleted")
    return json_response({"siteId": site, "deleted": True})


async def _existing(request: web.Request) -> dict[str, Any]:
    doc = await sites.get(request.app[DB], site_id(request))
    if doc is None:
        raise ApiError(404, "Unknown site", request.match_info["siteId"])
    return doc


async def put_limit(request: web.Request) -> web.Response:
    doc = await _existing(request)
    now = utc_now()
    fields = limit_fields(await read_json(request), now)
    await sites.put_limit(request.app[DB], doc["_id"], {**fields, "updatedAt": now})
    await _changed(request, doc["_id"], names.CAUSE_LIMIT_SET)
    return json_response(await view(request, doc))


async def delete_limit(request: web.Request) -> web.Response:
    doc = await _existing(request)
    if not await sites.delete_limit(request.app[DB], doc["_id"]):
        raise ApiError(404, "The site has no external limit", doc["_id"])
    await _changed(request, doc["_id"], names.CAUSE_LIMIT_CLEARED)
    return json_response(await view(request, doc))


ROUTES = [
    web.get("/api/v1/sites", list_sites),
    web.put("/api/v1/sites/{siteId}", put_site),
    web.get("/api/v1/sites/{siteId}", get_site),
    web.delete("/api/v1/sites/{siteId}", delete_site),
    web.put("/api/v1/sites/{siteId}/limit", put_limit),
    web.delete("/api/v1/sites/{siteId}/limit", delete_limit),
]
