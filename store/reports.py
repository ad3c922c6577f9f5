"""Making a stored view of what a station holds (charging profiles, display messages,
monitors) what a complete report of it says: one mechanism for the three views.

Each view is written only by the API, one document per station and id; the caller reads
the station's stored documents and the report's items, both by id, and says how to compare
one and how to build the document for an item the CSMS learns from the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from . import bulk_upsert

SOURCE_STATION = "station"
"""``source`` of an item only a report told the CSMS of (``api``: the CSMS set it)."""
REPORTED = "Reported"
"""``status`` of such an item."""

Item = TypeVar("Item")


def learnt_fields(at: datetime) -> dict[str, Any]:
    """The fields of a document learnt from a report at ``at``."""
    return {
        "source": SOURCE_STATION,
        "status": REPORTED,
        "commandId": None,
        "setAt": None,
        "updatedAt": at,
        "reportedAt": at,
    }


async def replace_from_report(
    db: AsyncDatabase[Any],
    collection: str,
    stored: Mapping[int, dict[str, Any]],
    reported: Mapping[int, Item],
    same: Callable[[dict[str, Any], Item], bool],
    learnt: Callable[[int, Item], dict[str, Any]],
    asked_at: datetime,
    at: datetime,
) -> tuple[list[int], list[int]]:
    """A stored item the report does not name is removed, unless it was stored after the
    report was asked for (``asked_at``): the station accepted it after it had reported. A
    reported one the CSMS does not hold as reported (``same``) is stored as the station's
    (``learnt`` builds its document); one it holds as reported is kept with ``reportedAt``.
    Returns the ids removed and the ids learnt."""
    removed = sorted(
        i for i in set(stored) - set(reported) if (stored[i].get("updatedAt") or at) < asked_at
    )
    if removed:
        await db[collection].delete_many({"_id": {"$in": [stored[i]["_id"] for i in removed]}})
    learnt_ids: list[int] = []
    ops: list[ReplaceOne[Any]] = []
    for item_id, item in sorted(reported.items()):
        doc = stored.get(item_id)
        if doc is not None and same(doc, item):
            ops.append(ReplaceOne({"_id": doc["_id"]}, {**doc, "reportedAt": at}))
            continue
        learnt_ids.append(item_id)
        new = learnt(item_id, item)
        ops.append(ReplaceOne({"_id": new["_id"]}, new, upsert=True))
    await bulk_upsert(db, collection, ops)
    return removed, learnt_ids
