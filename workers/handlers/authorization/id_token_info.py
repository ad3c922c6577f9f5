"""The IdTokenInfoType for a presented idToken, from the ``id_tokens`` collection.

Used by Authorize and TransactionEvent, so both give a token the same verdict; the verdict
itself is the pure ``shared.id_token_info.build``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.config import Settings
from shared.id_token_info import build, is_master_pass
from store import id_tokens


@dataclass(frozen=True)
class Verdict:
    info: dict[str, Any]
    """The idTokenInfo to answer with."""
    master_pass: bool
    """The token belongs to the Master Pass group (C16, ``MASTER_PASS_GROUP_ID``)."""


async def lookup(
    db: AsyncDatabase[Any], id_token: dict[str, Any], now: datetime, settings: Settings
) -> Verdict:
    if id_token["type"] == "NoAuthorization":
        return Verdict({"status": "Accepted"}, False)
    doc = await id_tokens.get(db, id_token["idToken"])
    if doc is not None and doc.get("type") != id_token["type"]:
        doc = None
    return Verdict(
        build(doc, now, cache_seconds=settings.auth_cache_seconds),
        is_master_pass(doc, settings.master_pass_group_id),
    )
