"""``certificate_checks``: what the CSMS learnt from OCSP responders for a station (Plug &
Charge Authorize, C07; GetCertificateStatus, M06), one document per message (``_id`` its
record id), so a redelivery writes nothing new and the operator can see why a car was
refused. Written only by workers, once."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once


async def add(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    return await insert_once(db, names.CERTIFICATE_CHECKS, doc)


async def for_station(
    db: AsyncDatabase[Any], station: str, limit: int, skip: int
) -> list[dict[str, Any]]:
    """The station's checks, newest first."""
    cursor = (
        db[names.CERTIFICATE_CHECKS]
        .find({"station": station})
        .sort("at", -1)
        .skip(skip)
        .limit(limit)
    )
    return [doc async for doc in cursor]
