"""/api/v1/audit: the state-changing requests, newest first (admins only)."""

from __future__ import annotations

from aiohttp import web

from store import audit

from .. import views
from ..errors import ApiError, json_response, paging
from ..keys import DB


async def list_audit(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    station, key_id = request.query.get("station"), request.query.get("keyId")
    if any(value is not None and len(value) > 64 for value in (station, key_id)):
        raise ApiError(400, "station and keyId are at most 64 characters")
    docs = await audit.list_filtered(request.app[DB], station, key_id, limit, skip)
    return json_response({"entries": [views.audit_entry(d) for d in docs]})


ROUTES = [web.get("/api/v1/audit", list_audit)]
