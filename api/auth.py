"""Who is calling: the Bearer key of every request but the public ones, its role checked
against ``access.ROUTE_ROLES``, and every state-changing request written to the audit log.

Middlewares, outermost first: ``request_ids`` (errors.py) -> ``audit`` -> ``errors`` ->
``authenticate`` -> the route. The audit sees the answer the caller got, whatever raised.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from shared import api_keys, names
from shared.events import utc_now
from shared.ratelimit import Limiter
from store import api_keys as key_store
from store import audit as audit_store

from .access import changes_state, needed_role
from .errors import REQUEST_ID, ApiError
from .keys import DB, EVENTS, SETTINGS

log = logging.getLogger("api.auth")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_refusals = Limiter(burst=10, window=60.0)  # log lines about refused keys, per remote
NO_STATION = "~"  # the routing-key word of an audit event that names no station


@dataclass(frozen=True, slots=True)
class Identity:
    key_id: str
    name: str
    role: str


IDENTITY = web.RequestKey("identity", Identity)


def _route(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None


async def identify(app: web.Application, token: str) -> Identity | None:
    """The key's holder, or None for a key that is unknown, revoked or malformed."""
    if api_keys.same_secret(token, app[SETTINGS].api_admin_key):
        return Identity(api_keys.ENV_ID, "API_ADMIN_KEY", names.ROLE_ADMIN)
    identifier = api_keys.key_id(token)
    if identifier is None:
        return None
    doc = await key_store.get(app[DB], identifier)
    if doc is None or doc.get("revokedAt") is not None:
        return None
    if not api_keys.matches(token, doc["digest"]):
        return None
    return Identity(identifier, doc["name"], doc["role"])


def _unauthorized(request: web.Request, error: str) -> ApiError:
    allowed, dropped = _refusals.allow(request.remote or "?")
    if allowed:
        log.warning(
            "API request refused: " + error.lower(),
            extra={"remote": request.remote, "path": request.path, "suppressedBefore": dropped},
        )
    return ApiError(
        401,
        error,
        "send Authorization: Bearer <key>",
        headers={"WWW-Authenticate": 'Bearer realm="csms"'},
    )


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = _route(request)
    if route is None:  # no such route: aiohttp answers 404/405
        return await handler(request)
    method = "GET" if request.method == "HEAD" else request.method
    needed = needed_role(method, route, request.match_info.get("action"), request.query)
    if needed is None:
        return await handler(request)
    token = api_keys.bearer(request.headers.get("Authorization"))
    if token is None:
        raise _unauthorized(request, "Missing API key")
    identity = await identify(request.app, token)
    if identity is None:
        raise _unauthorized(request, "Unknown or revoked API key")
    request[IDENTITY] = identity
    if not api_keys.allows(identity.role, needed):
        raise ApiError(
            403, "Forbidden", f"this needs the {needed} role; the key has {identity.role}"
        )
    return await handler(request)


@web.middleware
async def audit(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    identity = request.get(IDENTITY)
    if identity is not None and changes_state(request.method, _route(request), request.query):
        await _record(request, identity, response.status, time.perf_counter() - started)
    return response


async def _record(request: web.Request, identity: Identity, status: int, seconds: float) -> None:
    station = request.match_info.get("id")
    entry: dict[str, Any] = {
        # Not the request id: a caller may send one twice, and each request is recorded.
        "_id": uuid.uuid4().hex,
        "requestId": request[REQUEST_ID],
        "at": utc_now(),
        "keyId": identity.key_id,
        "keyName": identity.name,
        "role": identity.role,
        "method": request.method,
        "path": request.path,
        "station": station,
        "status": status,
        "ms": round(seconds * 1000, 1),
        "remote": request.remote,
    }
    try:
        await audit_store.record(request.app[DB], entry)
    except Exception as exc:
        log.error("could not write the audit entry", extra={"error": repr(exc), **_loggable(entry)})
    events = request.app.get(EVENTS)
    if events is None:
        return
    try:
        fields = {k: v for k, v in _loggable(entry).items() if k != "station"}
        await events.publish(
            names.EVENT_API_AUDIT, station or NO_STATION, event_id=entry["_id"], **fields
        )
    except Exception as exc:
        log.error("could not publish the audit event", extra={"error": repr(exc)})


def _loggable(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in ("_id", "at")}
