"""Checks made before the websocket upgrade (OCPP-J part 4, section 3).

Unknown station -> 404, bad or missing Basic credentials for a station with a password ->
401, workers unreachable -> 503. The answer comes from the workers over the bus (the
gateway never touches MongoDB); successful checks are cached briefly so a reconnect storm
does not turn into a storm of scrypt hashes. Failures are never cached, so a station is
not locked out after its password changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from urllib.parse import unquote

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from shared.envelope import AuthRequest, AuthResult
from shared.logs import bind
from shared.ocppj import STATION_ID_PATTERN

log = logging.getLogger("gateway.handshake")

AuthCall = Callable[[AuthRequest], Awaitable[AuthResult]]


def station_id_from_path(path: str) -> str | None:
    """The last path segment, percent-decoded, if it is a valid station identity."""
    segment = unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    return segment if STATION_ID_PATTERN.fullmatch(segment) else None


def basic_credentials(headers: Headers) -> tuple[str, str] | None:
    header = headers.get("Authorization")
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _reject(connection: ServerConnection, status: HTTPStatus, text: str) -> Response:
    response = connection.respond(status, text + "\n")
    if status == HTTPStatus.UNAUTHORIZED:
        response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
    return response


class Handshake:
    """``process_request`` hook for ``websockets.asyncio.server.serve``."""

    def __init__(self, auth: AuthCall, cache_seconds: float) -> None:
        self._auth = auth
        self._cache_seconds = cache_seconds
        self._cache: dict[tuple[str, str], tuple[float, AuthResult]] = {}

    async def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        remote = _remote(connection)
        station = station_id_from_path(request.path)
        if station is None:
            log.warning(
                "refused: no valid station id in path",
                extra={"path": request.path, "remote": remote},
            )
            return _reject(connection, HTTPStatus.NOT_FOUND, "Unknown charging station")
        with bind(station):
            credentials = basic_credentials(request.headers)
            if credentials is not None and credentials[0] != station:
                log.warning(
                    "refused: Basic auth username is not the station id",
                    extra={"remote": remote, "status": 401},
                )
                return _reject(
                    connection, HTTPStatus.UNAUTHORIZED, "Username must be the station id"
                )
            password = credentials[1] if credentials else None
            try:
                result = await self._check(station, password, remote)
            except Exception as exc:  # timeout, or the bus refused the request
                log.error(
                    "refused: no answer from workers to the auth check",
                    extra={"remote": remote, "status": 503, "error": repr(exc)},
                )
                return _reject(connection, HTTPStatus.SERVICE_UNAVAILABLE, "CSMS busy, retry later")
            if result.status == "unknown":
                log.warning("refused: unknown station", extra={"remote": remote, "status": 404})
                return _reject(connection, HTTPStatus.NOT_FOUND, "Unknown charging station")
            if result.status != "ok":
                log.warning(
                    "refused: bad credentials",
                    extra={"remote": remote, "status": 401, "reason": result.reason},
                )
                return _reject(connection, HTTPStatus.UNAUTHORIZED, "Invalid credentials")
            connection.station_id = station  # type: ignore[attr-defined]
            connection.security_profile = result.security_profile  # type: ignore[attr-defined]
            return None

    async def _check(self, station: str, password: str | None, remote: str) -> AuthResult:
        key = (station, hashlib.sha256((password or "").encode()).hexdigest())
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        result = await self._auth(AuthRequest(station=station, password=password, remote=remote))
        if result.status == "ok" and self._cache_seconds > 0:
            if len(self._cache) > 100_000:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[key] = (now + self._cache_seconds, result)
        return result


def _remote(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"
