"""``installed_certificates``: what each station said it holds (M03 GetInstalledCertificateIds),
written only by the API.

One document per refresh (``_id`` its command id), never updated, so two refreshes of one
station at once never write one document; the newest is the station's inventory, and a
refresh removes the ones older than its own."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names


async def add(db: AsyncDatabase[Any], doc: dict[str, Any]) -> None:
    """Store a refresh's answer and forget the station's older ones."""
    await db[names.INSTALLED_CERTIFICATES].insert_one(doc)
    await db[names.INSTALLED_CERTIFICATES].delete_many(
        {"station": doc["station"], "refreshedAt": {"$lt": doc["refreshedAt"]}}
    )


async def latest(db: AsyncDatabase[Any], station: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.INSTALLED_CERTIFICATES].find_one(
        {"station": station}, {"_id": 0}, sort=[("refreshedAt", -1)]
    )
    return doc
