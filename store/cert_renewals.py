"""``certificate_renewals``: the renewal attempts of the certificates the CSMS signed
(``shared/cert_renewal.py``), and which renewals are done.

One writer per document (FerretDB v1): attempt ``n`` of a certificate is the document
``<certificate id>/<n>``, inserted once by the worker that claims it (of two workers that
find it due together, one gets a duplicate key and leaves it) and completed by that worker
only; ``<certificate id>/done`` is inserted once, by the worker that sees a newer
certificate first. Nothing is ever updated by two.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import cert_renewal, names

from . import insert_once

DONE = "done"


def attempt_id(certificate: str, number: int) -> str:
    return f"{certificate}/{number}"


async def claim(
    db: AsyncDatabase[Any], certificate: dict[str, Any], number: int, at: datetime, by: str
) -> bool:
    """Claim attempt ``number`` of ``certificate``; False when another worker has it."""
    return await insert_once(
        db,
        names.CERTIFICATE_RENEWALS,
        {
            "_id": attempt_id(certificate["_id"], number),
            "certificate": certificate["_id"],
            "station": certificate["station"],
            "certificateType": certificate["certificateType"],
            "kind": "attempt",
            "attempt": number,
            "at": at,
            "by": by,
            "outcome": None,
        },
    )


async def finish(
    db: AsyncDatabase[Any],
    certificate: str,
    number: int,
    fields: dict[str, Any],
) -> None:
    """Record how the claimed attempt went (``outcome``, ``nextAttemptAt``...)."""
    await db[names.CERTIFICATE_RENEWALS].update_one(
        {"_id": attempt_id(certificate, number)}, {"$set": fields}
    )


async def mark_done(
    db: AsyncDatabase[Any], certificate: dict[str, Any], renewed_by: str, at: datetime
) -> bool:
    """Record that a newer certificate replaced ``certificate``; False if recorded before."""
    return await insert_once(
        db,
        names.CERTIFICATE_RENEWALS,
        {
            "_id": f"{certificate['_id']}/{DONE}",
            "certificate": certificate["_id"],
            "station": certificate["station"],
            "certificateType": certificate["certificateType"],
            "kind": DONE,
            "renewedBy": renewed_by,
            "at": at,
            "outcome": cert_renewal.RENEWED,
        },
    )


async def _grouped(
    db: AsyncDatabase[Any], query: dict[str, Any]
) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    found: dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None]] = {}
    async for doc in db[names.CERTIFICATE_RENEWALS].find(query):
        attempts, done = found.get(doc["certificate"], ([], None))
        if doc.get("kind") == DONE:
            done = doc
        else:
            attempts.append(doc)
        found[doc["certificate"]] = (attempts, done)
    return found


async def for_certificates(
    db: AsyncDatabase[Any], certificates: Iterable[str]
) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    """Each certificate's attempts and its done document (or None), by certificate id."""
    return await _grouped(db, {"certificate": {"$in": list(certificates)}})


async def for_station(
    db: AsyncDatabase[Any], station: str
) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    return await _grouped(db, {"station": station})
