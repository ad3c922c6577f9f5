"""Checks made before the websocket upgrade (OCPP-J part 4, section 3; part 2, A00).

Unknown station -> 404; bad or missing Basic credentials for a station with a password ->
401; a connection below the station's security profile, or a client certificate that is
not the station's -> 403; workers unreachable -> 503. The answer comes from the workers
over the bus (the gateway never touches MongoDB). Successful checks are cached briefly so
a reconnect storm does not turn into a storm of scrypt hashes; failures are never cached,
so a station is not locked out after its password changes. A cached success never outlives
a change of the station's credentials: ``forget`` drops them when a ``CredentialsChanged``
notice arrives, and ``forget_all`` when the bus connection drops (notices may be lost).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from urllib.parse import unquote

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from shared import metrics, pki
from shared.envelope import AuthRequest, AuthResult
from shared.logs import bind
from shared.ocppj import STATION_ID_PATTERN
from shared.ratelimit import Limiter

from .logins import Logins
from .tls import ProxyCertificates, peer_certificate

log = logging.getLogger("gateway.handshake")

AuthCall = Callable[[AuthRequest], Awaitable[AuthResult]]
MAX_CACHED_CHECKS = 100_000


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


class Busy(Exception):
    """More handshake checks are waiting than GATEWAY_MAX_PENDING_AUTH allows."""


class Handshake:
    """``process_request`` hook for ``websockets.asyncio.server.serve``."""

    def __init__(
        self,
        auth: AuthCall,
        cache_seconds: float,
        proxies: ProxyCertificates | None = None,
        max_pending: int = 200,
        logins: Logins | None = None,
    ) -> None:
        self._auth = auth
        self._logins = logins
        self._max_pending = max_pending
        self._pending = 0
        self._cache_seconds = cache_seconds
        self._proxies = proxies
        # station -> (password digest, offered profile, certificate CN) -> (expiry, result)
        self._cache: dict[str, dict[tuple[str, int, str], tuple[float, AuthResult]]] = {}
        self._cached = 0
        # Bumped by every forget: a check that was in flight across one is not cached, as
        # its answer may predate the change.
        self._generation = 0
        self._log_limit = Limiter(burst=20, window=10.0)

    def _refuse(
        self, connection: ServerConnection, status: HTTPStatus, text: str, why: str, **extra: object
    ) -> Response:
        """Refusals are logged, but rate-limited per reason: a flood cannot fill the disk."""
        metrics.REFUSED.labels(str(int(status))).inc()
        allowed, dropped = self._log_limit.allow(why)
        if allowed:
            log.warning(
                f"refused: {why}",
                extra={**extra, "status": int(status), "suppressedBefore": dropped},
            )
        return _reject(connection, status, text)

    async def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        remote = _remote(connection)
        station = station_id_from_path(request.path)
        if station is None:
            return self._refuse(
                connection,
                HTTPStatus.NOT_FOUND,
                "Unknown charging station",
                "no valid station id in path",
                path=request.path,
                remote=remote,
            )
        with bind(station):
            credentials = basic_credentials(request.headers)
            if credentials is not None and credentials[0] != station:
                return self._refuse(
                    connection,
                    HTTPStatus.UNAUTHORIZED,
                    "Username must be the station id",
                    "Basic auth username is not the station id",
                    remote=remote,
                )
            try:
                profile, certificate_cn = self._transport(connection, request)
            except ValueError as exc:
                return self._refuse(
                    connection,
                    HTTPStatus.FORBIDDEN,
                    "Invalid client certificate",
                    "forwarded client certificate rejected",
                    remote=remote,
                    reason=str(exc),
                )
            check = AuthRequest(
                station=station,
                password=credentials[1] if credentials else None,
                remote=remote,
                profile=profile,
                certificate_cn=certificate_cn,
            )
            address = self._counted_address(connection)
            throttled = self._logins and self._logins.throttled(station, address, time.monotonic())
            if throttled:
                metrics.LOGINS_THROTTLED.labels(throttled.by).inc()
                response = self._refuse(
                    connection,
                    HTTPStatus.TOO_MANY_REQUESTS,
                    "Too many failed logins, retry later",
                    f"too many failed logins per {throttled.by}",
                    remote=remote,
                )
                response.headers["Retry-After"] = str(throttled.retry_after)
                return response
            try:
                result = await self._check(check)
            except Busy:
                response = self._refuse(
                    connection,
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    "CSMS busy, retry later",
                    "too many handshakes at once",
                    remote=remote,
                )
                response.headers["Retry-After"] = str(random.randint(2, 10))
                return response
            except Exception as exc:  # timeout, or the bus refused the request
                log.error(
                    "refused: no answer from workers to the auth check",
                    extra={"remote": remote, "status": 503, "error": repr(exc)},
                )
                return _reject(connection, HTTPStatus.SERVICE_UNAVAILABLE, "CSMS busy, retry later")
            self._count_login(result, station, address)
            if result.status == "unknown":
                return self._refuse(
                    connection,
                    HTTPStatus.NOT_FOUND,
                    "Unknown charging station",
                    "unknown station",
                    remote=remote,
                )
            if result.status == "forbidden":
                return self._refuse(
                    connection,
                    HTTPStatus.FORBIDDEN,
                    "Forbidden",
                    "security profile or certificate",
                    remote=remote,
                    reason=result.reason,
                )
            if result.status != "ok":
                return self._refuse(
                    connection,
                    HTTPStatus.UNAUTHORIZED,
                    "Invalid credentials",
                    "bad credentials",
                    remote=remote,
                    reason=result.reason,
                )
            connection.station_id = station  # type: ignore[attr-defined]
            connection.security_profile = result.security_profile  # type: ignore[attr-defined]
            connection.offered_profile = profile  # type: ignore[attr-defined]
            # Read by the subprotocol choice, which websockets makes after this hook.
            connection.ocpp_versions = result.ocpp_versions  # type: ignore[attr-defined]
            return None

    def _counted_address(self, connection: ServerConnection) -> str | None:
        """The remote host whose failed logins are counted; None behind a trusted proxy."""
        address = connection.remote_address
        if not address or (self._proxies is not None and self._proxies.trusted(address[0])):
            return None
        return str(address[0])

    def _count_login(self, result: AuthResult, station: str, address: str | None) -> None:
        if self._logins is None:
            return
        if result.status == "ok":
            self._logins.succeeded(station)
        elif result.status in ("unauthorized", "unknown"):
            known = station if result.status == "unauthorized" else None
            self._logins.failed(known, address, time.monotonic())

    def _transport(self, connection: ServerConnection, request: Request) -> tuple[int, str | None]:
        """The security profile this connection offers, and its client certificate's CN."""
        ssl_object = connection.transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            certificate = peer_certificate(ssl_object)
            if certificate is not None:
                return 3, pki.common_name(certificate)
            return 2, None
        address = connection.remote_address
        if self._proxies is not None and address and self._proxies.trusted(address[0]):
            forwarded = request.headers.get(self._proxies.header)
            if forwarded:
                return 3, pki.common_name(self._proxies.certificate(forwarded))
            if request.headers.get("X-Forwarded-Proto", "").lower() in ("https", "wss"):
                return 2, None
        return 1, None

    def forget(self, station: str) -> None:
        """Drop every cached check of ``station``, and keep checks in flight from caching."""
        self._generation += 1
        self._cached -= len(self._cache.pop(station, {}))

    def forget_all(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._cached = 0

    async def _check(self, check: AuthRequest) -> AuthResult:
        secret = hashlib.sha256((check.password or "").encode()).hexdigest()
        key = (secret, check.profile, check.certificate_cn or "")
        now = time.monotonic()
        cached = self._cache.get(check.station, {}).get(key)
        if cached and cached[0] > now:
            return cached[1]
        if self._pending >= self._max_pending:
            raise Busy
        generation = self._generation
        self._pending += 1
        try:
            result = await self._auth(check)
        finally:
            self._pending -= 1
        if result.status == "ok" and self._cache_seconds > 0 and generation == self._generation:
            if self._cached >= MAX_CACHED_CHECKS:
                self._expire(now)
            # Still full of live entries (a station without a password accepts any, each a
            # new entry): this one is not cached, so the table stays bounded (~37 MB).
            if self._cached < MAX_CACHED_CHECKS:
                entries = self._cache.setdefault(check.station, {})
                self._cached += key not in entries
                entries[key] = (now + self._cache_seconds, result)
        return result

    def _expire(self, now: float) -> None:
        for station in list(self._cache):
            entries = {k: v for k, v in self._cache[station].items() if v[0] > now}
            self._cached -= len(self._cache[station]) - len(entries)
            if entries:
                self._cache[station] = entries
            else:
                del self._cache[station]


def _remote(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"
