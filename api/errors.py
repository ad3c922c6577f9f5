"""JSON error bodies ``{"error", "detail", "requestId"}`` with the right status, raised from
routes; every answer, a 500 included, carries the request id its log lines carry."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from aiohttp import web

from shared.logs import bind
from store.errors import is_transient

log = logging.getLogger("api")

REQUEST_ID = web.RequestKey("request_id", str)
REQUEST_ID_HEADER = "X-Request-Id"
_CALLER_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
MAX_LIMIT = 1000
MAX_SKIP = 1_000_000  # deeper paging: filter instead (a store skips by reading past)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status, self.error, self.detail = status, error, detail
        self.headers = dict(headers or {})


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(data, default=str), status=status, content_type="application/json"
    )


def _error(request: web.Request, status: int, error: str, detail: Any = None) -> web.Response:
    body = {"error": error, "detail": detail, "requestId": request.get(REQUEST_ID)}
    return json_response(body, status)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take the caller's X-Request-Id if it looks like one, else make one; log lines of the
    request carry it (as ``messageId``) with the station it names, and so does the answer."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = offered if _CALLER_ID.fullmatch(offered) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    with bind(request.match_info.get("id"), request_id):
        response = await handler(request)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        response = _error(request, exc.status, exc.error, exc.detail)
        response.headers.update(exc.headers)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(request, exc.status, exc.reason)
    except Exception as exc:
        if is_transient(exc):
            response = _error(request, 503, "Store busy or unavailable, retry")
            response.headers["Retry-After"] = "1"
            return response
        log.exception("API request failed", extra={"method": request.method, "path": request.path})
        return _error(request, 500, "Internal error; the request id finds it in the logs")


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "Body is not valid JSON", str(exc)) from None
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object")
    return body


def _bounded(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query.get(name, str(default))
    if not re.fullmatch(r"\d{1,9}", text) or not low <= int(text) <= high:
        raise ApiError(400, f"{name} must be an integer from {low} to {high}", text[:40])
    return int(text)


def optional_bool(request: web.Request, name: str) -> bool | None:
    """A ``true``/``false`` query parameter; None when absent, 400 for anything else."""
    text = request.query.get(name)
    if text not in (None, "true", "false"):
        raise ApiError(400, f"{name} must be true or false")
    return None if text is None else text == "true"


def paging(request: web.Request) -> tuple[int, int]:
    """``limit`` 1-1000 (default 100) and ``skip`` 0-1,000,000: a limit of 0 would mean "no
    limit" to the store, and a huge skip fails in it."""
    limit = _bounded(request, "limit", 100, 1, MAX_LIMIT)
    skip = _bounded(request, "skip", 0, 0, MAX_SKIP)
    return limit, skip
