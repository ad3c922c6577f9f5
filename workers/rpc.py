"""Internal RPCs answered by workers; today the gateway's handshake ``auth`` check."""

from __future__ import annotations

import logging
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import AuthRequest, AuthResult
from shared.passwords import verify_password

from .store import stations

log = logging.getLogger("workers.rpc")


async def authenticate(db: AsyncDatabase[Any], request: AuthRequest) -> AuthResult:
    doc = await stations.get(db, request.station)
    if doc is None:
        log.info("auth: unknown station", extra={"remote": request.remote})
        return AuthResult("unknown")
    profile = int(doc.get("securityProfile", 0))
    stored = doc.get("passwordHash")
    if stored is None:
        return AuthResult("ok", profile)
    if request.password is None:
        return AuthResult("unauthorized", profile, "no credentials")
    if not verify_password(request.password, stored):
        log.warning("auth: wrong password", extra={"remote": request.remote})
        return AuthResult("unauthorized", profile, "wrong password")
    return AuthResult("ok", profile)
