"""Internal RPCs answered by workers; today the gateway's handshake ``auth`` check.

Security profiles (OCPP 2.0.1 part 2, A00): a station is registered with a profile and may
not connect below it. A connection offers 1 (ws + Basic), 2 (wss + Basic) or 3 (wss +
client certificate, whose chain and validity the gateway's TLS layer already checked; here
its CN must be the station id). Once a station connects above its registered profile with
valid credentials, the registered profile is raised, so it can never fall back: the raise
is stored, then every gateway is told (``CredentialsChanged``) before the check is answered,
so none admits the station below it from a cached handshake.

Every refusal is recorded as a security event with the remote address, at most
``REFUSALS_PER_MINUTE`` per station, so a flood cannot fill the database.

Passwords the CSMS generated are stored as keyed verifiers and checked right here on the
event loop (microseconds); operator-chosen ones are scrypt, checked in a thread (~40 ms of
CPU) and remembered per process. A keyed verifier made with a key this worker does not have
is a wrong password, logged as a key mismatch: after a key change without
``STATION_PASSWORD_KEY_PREVIOUS`` every such station is refused, and the log says why.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.envelope import AuthRequest, AuthResult, CredentialsChanged
from shared.events import EventPublisher, iso, utc_now
from shared.gateway_notices import GatewayNotices
from shared.passwords import (
    KEYED,
    PasswordKeys,
    VerifiedPasswords,
    scheme_of,
    stored_key_id,
    verify_password,
)
from shared.ratelimit import Limiter
from store import records, stations

log = logging.getLogger("workers.rpc")

REFUSALS_PER_MINUTE = 10
_refusals = Limiter(burst=REFUSALS_PER_MINUTE, window=60.0)
_verified = VerifiedPasswords()
_NO_KEYS = PasswordKeys()
# After a key change every station with a generated password mismatches: one line per
# unknown key id per minute says so, with the count of the rest.
_mismatches = Limiter(burst=1, window=60.0)


class Expired(Exception):
    """The gateway stopped waiting for this check before it could run (``deadline``)."""


async def _password_matches(
    request: AuthRequest, password: str, stored: str, keys: PasswordKeys = _NO_KEYS
) -> bool:
    if scheme_of(stored) == KEYED:
        identifier = stored_key_id(stored)
        if identifier is not None and keys.get(identifier) is None:
            _key_mismatch(identifier, keys)
            return False
        # One HMAC: cheaper than the hop to a thread, and nothing worth caching.
        return verify_password(password, stored, keys)
    if _verified.known(password, stored):
        return True

    def check() -> bool:
        # Looked at when a thread is free, which in a storm can be seconds after arrival.
        if request.expired(time.time()):
            raise Expired
        return verify_password(password, stored)

    # scrypt costs ~40 ms of CPU: off the event loop, so other messages keep flowing.
    if not await asyncio.to_thread(check):
        return False
    _verified.remember(password, stored)
    return True


def _key_mismatch(identifier: str, keys: PasswordKeys) -> None:
    allowed, dropped = _mismatches.allow(identifier)
    if allowed:
        log.error(
            "station password key mismatch: the stored verifier was made with a key this "
            "worker does not have (STATION_PASSWORD_KEY changed without "
            "STATION_PASSWORD_KEY_PREVIOUS?); refused as a wrong password",
            extra={
                "storedKeyId": identifier,
                "configuredKeyIds": list(keys.ids),
                "suppressedBefore": dropped,
            },
        )


async def authenticate(
    db: AsyncDatabase[Any],
    request: AuthRequest,
    events: EventPublisher | None = None,
    keys: PasswordKeys = _NO_KEYS,
    notices: GatewayNotices | None = None,
) -> AuthResult:
    if request.expired(time.time()):
        raise Expired
    doc = await stations.get(db, request.station)
    if doc is None:
        return await _refused(db, events, request, AuthResult("unknown"), "UnknownStation")
    registered = int(doc.get("securityProfile", 0))
    if request.profile < registered:
        result = AuthResult(
            "forbidden",
            registered,
            f"security profile {request.profile} below registered {registered}",
        )
        return await _refused(db, events, request, result, "SecurityProfileDowngrade")
    if request.profile == 3:
        if request.certificate_cn != request.station:
            result = AuthResult(
                "forbidden",
                registered,
                f"client certificate CN {request.certificate_cn!r} is not the station id",
            )
            return await _refused(db, events, request, result, "CertificateNotStations")
    else:
        stored = doc.get("passwordHash")
        if stored is None and registered > 0:
            result = AuthResult("unauthorized", registered, "no password registered")
            return await _refused(db, events, request, result, "InvalidCredentials")
        if stored is not None:
            if request.password is None:
                result = AuthResult("unauthorized", registered, "no credentials")
                return await _refused(db, events, request, result, "InvalidCredentials")
            if not await _password_matches(request, request.password, stored, keys):
                result = AuthResult("unauthorized", registered, "wrong password")
                return await _refused(db, events, request, result, "InvalidCredentials")
    if registered > 0 and request.profile > registered:
        await stations.set_fields(db, request.station, {"securityProfile": request.profile})
        if notices is not None:
            await notices.credentials_changed(
                CredentialsChanged(request.station, profile=request.profile)
            )
        log.warning("security profile raised", extra={"from": registered, "to": request.profile})
        await _record(
            db,
            events,
            request,
            "SecurityProfileRaised",
            f"connected with profile {request.profile}; registered {registered}",
        )
        registered = request.profile
    return AuthResult("ok", registered, ocpp_versions=doc.get("ocppVersions"))


async def _refused(
    db: AsyncDatabase[Any],
    events: EventPublisher | None,
    request: AuthRequest,
    result: AuthResult,
    kind: str,
) -> AuthResult:
    # Unknown ids are limited together: a flood of made-up ids must not bypass the limit.
    allowed, dropped = _refusals.allow(kind if kind == "UnknownStation" else request.station)
    if allowed:
        log.warning(
            "auth refused",
            extra={
                "kind": kind,
                "reason": result.reason,
                "remote": request.remote,
                "suppressedBefore": dropped,
            },
        )
        await _record(db, events, request, kind, result.reason or kind, dropped)
    return result


async def _record(
    db: AsyncDatabase[Any],
    events: EventPublisher | None,
    request: AuthRequest,
    kind: str,
    reason: str,
    suppressed: int = 0,
) -> None:
    moment = utc_now()
    doc = {
        "_id": f"{request.station}/csms/{moment.timestamp():.6f}/{kind}",
        "station": request.station,
        "type": kind,
        "timestamp": moment,
        "techInfo": reason,
        "source": "csms",
        "remote": request.remote,
        "profile": request.profile,
        "suppressedBefore": suppressed,
        "receivedAt": moment,
    }
    await records.add_security_event(db, doc)
    if events is not None:
        await events.publish(
            names.EVENT_SECURITY,
            request.station,
            type=kind,
            timestamp=iso(moment),
            techInfo=reason,
            source="csms",
            remote=request.remote,
        )
