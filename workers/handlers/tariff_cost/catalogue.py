"""The tariffs a worker knows, read from the store at most every TARIFF_CACHE_SECONDS.

Tariffs are few and change rarely, while Authorize and TransactionEvent are the fleet's
hottest messages: each worker keeps every tariff in memory, so a message costs at most one
``_id`` read for tariffs (the station's own tariff, ``tariff_members``), and none at all
while no tariff is defined.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.tariffs import Tariff
from store import tariffs


@dataclass(frozen=True)
class Catalogue:
    by_id: dict[str, Tariff] = field(default_factory=dict)
    default: Tariff | None = None

    def __bool__(self) -> bool:
        return bool(self.by_id)


_cache: dict[str, tuple[float, Catalogue]] = {}
_NEVER = datetime.min.replace(tzinfo=UTC)


def _default(docs: list[dict[str, Any]]) -> str | None:
    # The API clears the previous default after setting a new one: in between, the newer.
    defaults = [d for d in docs if d.get("default")]
    if not defaults:
        return None
    newest = max(defaults, key=lambda d: d.get("updatedAt") or _NEVER)
    return str(newest["_id"])


async def load(db: AsyncDatabase[Any], max_age: float) -> Catalogue:
    """Every tariff, from memory when read less than ``max_age`` seconds ago."""
    now = time.monotonic()
    cached = _cache.get(db.name)
    if cached is not None and now - cached[0] < max_age:
        return cached[1]
    docs = await tariffs.list_all(db)
    by_id = {str(doc["_id"]): Tariff.from_doc(doc) for doc in docs}
    default = _default(docs)
    catalogue = Catalogue(by_id, by_id.get(default) if default else None)
    _cache[db.name] = (now, catalogue)
    return catalogue


async def for_station(db: AsyncDatabase[Any], catalogue: Catalogue, station: str) -> Tariff | None:
    """The station's own tariff, else the default one (one ``_id`` read)."""
    if not catalogue:
        return None
    own = await tariffs.tariff_of(db, station)
    if own is not None and own in catalogue.by_id:
        return catalogue.by_id[own]
    return catalogue.default
