"""``api_keys``: operator API keys by id, with their role and the SHA-256 of the key.

Revoking sets ``revokedAt`` rather than deleting, so the audit log's key ids stay
explained. Every request reads its key here (no cache), so a revocation holds at once on
every API replica.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now

from . import insert_once


async def create(
    db: AsyncDatabase[Any],
    identifier: str,
    key_digest: str,
    name: str,
    role: str,
    created_by: str | None,
) -> bool:
    """False if a key with this id exists (the bootstrap key made by another replica)."""
    return await insert_once(
        db,
        names.API_KEYS,
        {
            "_id": identifier,
            "name": name,
            "role": role,
            "digest": key_digest,
            "createdAt": utc_now(),
            "createdBy": created_by,
            "revokedAt": None,
        },
    )


async def get(db: AsyncDatabase[Any], identifier: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.API_KEYS].find_one({"_id": identifier})
    return doc


async def list_all(db: AsyncDatabase[Any], limit: int, skip: int) -> list[dict[str, Any]]:
    cursor = db[names.API_KEYS].find({}).sort("createdAt", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def revoke(db: AsyncDatabase[Any], identifier: str, at: datetime) -> bool:
    """False if there is no such key or it was revoked already."""
    result = await db[names.API_KEYS].update_one({"_id": identifier}, {"$set": {"revokedAt": at}})
    return result.modified_count == 1
