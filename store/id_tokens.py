"""``id_tokens``: the tokens the CSMS knows, keyed by the token value."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now


async def get(db: AsyncDatabase[Any], id_token: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.ID_TOKENS].find_one({"_id": id_token})
    return doc


async def upsert(db: AsyncDatabase[Any], id_token: str, fields: dict[str, Any]) -> bool:
    now = utc_now()
    result = await db[names.ID_TOKENS].update_one(
        {"_id": id_token},
        {"$set": {**fields, "updatedAt": now}, "$setOnInsert": {"createdAt": now}},
        upsert=True,
    )
    return result.upserted_id is not None


async def delete(db: AsyncDatabase[Any], id_token: str) -> bool:
    return (await db[names.ID_TOKENS].delete_one({"_id": id_token})).deleted_count == 1


async def list_all(db: AsyncDatabase[Any], limit: int, skip: int) -> list[dict[str, Any]]:
    cursor = db[names.ID_TOKENS].find({}).sort("_id", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def page(
    db: AsyncDatabase[Any], prefix: str, status: str | None, limit: int, skip: int
) -> list[dict[str, Any]]:
    """Tokens starting with ``prefix`` (a range on ``_id``, no regular expression), of one
    ``status`` when given, by value: the console's list."""
    query: dict[str, Any] = {"_id": {"$gte": prefix, "$lt": prefix + "\U0010ffff"}}
    if status is not None:
        query["status"] = status
    cursor = db[names.ID_TOKENS].find(query).sort("_id", 1).skip(skip).limit(limit)
    return [doc async for doc in cursor]
