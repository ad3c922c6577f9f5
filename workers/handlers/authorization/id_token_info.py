"""The IdTokenInfoType for a presented idToken, from the ``id_tokens`` collection.

Used by Authorize and TransactionEvent, so both give a token the same verdict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.events import iso
from store import id_tokens


async def lookup(db: AsyncDatabase[Any], id_token: dict[str, Any], now: datetime) -> dict[str, Any]:
    if id_token["type"] == "NoAuthorization":
        return {"status": "Accepted"}
    doc = await id_tokens.get(db, id_token["idToken"])
    if doc is None or doc.get("type") != id_token["type"]:
        return {"status": "Unknown"}
    status = doc.get("status", "Invalid")
    expires = doc.get("expiresAt")
    if status == "Accepted" and expires is not None and expires <= now:
        status = "Expired"
    info: dict[str, Any] = {"status": status}
    group = doc.get("groupIdToken")
    if group:
        info["groupIdToken"] = {"idToken": group["idToken"], "type": group["type"]}
    if status == "Accepted" and expires is not None:
        info["cacheExpiryDateTime"] = iso(expires)
    return info
