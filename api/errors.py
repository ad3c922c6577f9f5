"""JSON error bodies ``{"error", "detail"}`` with the right status, raised from routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from store.errors import is_transient


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: Any = None) -> None:
        super().__init__(error)
        self.status, self.error, self.detail = status, error, detail


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(data, default=str), status=status, content_type="application/json"
    )


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return json_response({"error": exc.error, "detail": exc.detail}, exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return json_response({"error": exc.reason, "detail": None}, exc.status)
    except Exception as exc:
        if not is_transient(exc):
            raise
        response = json_response({"error": "Store busy or unavailable, retry", "detail": None}, 503)
        response.headers["Retry-After"] = "1"
        return response


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "Body is not valid JSON", str(exc)) from None
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object")
    return body


def paging(request: web.Request) -> tuple[int, int]:
    try:
        limit = min(int(request.query.get("limit", "100")), 1000)
        skip = max(int(request.query.get("skip", "0")), 0)
    except ValueError:
        raise ApiError(400, "limit and skip must be integers") from None
    return limit, skip
