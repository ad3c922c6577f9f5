"""IdTokenInfoType from a stored id token: one pure function, so Authorize, TransactionEvent
and SendLocalList give a token the same verdict.

No I/O: the caller reads the ``id_tokens`` document (``store.id_tokens.get``) and passes
``now``. Block C: C01 (Authorize), C09 (groupIdToken), C10/C12 (cacheExpiryDateTime),
C16 (Master Pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.events import iso

__all__ = ["build", "is_master_pass"]


def build(
    doc: Mapping[str, Any] | None, now: datetime, *, cache_seconds: float = 0
) -> dict[str, Any]:
    """The ``idTokenInfo`` for a stored id token (a document of ``id_tokens``), at ``now``.

    Args:
        doc: the stored token, or None when the CSMS does not know it (or the presented
            type differs from the stored one: the caller decides that).
        now: the moment of the verdict (timezone-aware).
        cache_seconds: the longest a station may keep the verdict in its authorization
            cache (``AUTH_CACHE_SECONDS``); 0: no limit from the CSMS.

    Returns:
        ``status``: the stored status, but ``Expired`` for an Accepted token whose
        ``expiresAt`` is at or before ``now``; ``Unknown`` without a document.
        ``cacheExpiryDateTime``: the earlier of ``expiresAt`` and ``now + cache_seconds``,
        omitted when neither applies (and for Unknown). A time at or before ``now`` keeps
        the token out of the station's cache (C10.FR.10 note).
        ``groupIdToken`` and ``personalMessage`` when stored.
    """
    if doc is None:
        return {"status": "Unknown"}
    status = doc.get("status") or "Invalid"
    expires: datetime | None = doc.get("expiresAt")
    if status == "Accepted" and expires is not None and expires <= now:
        status = "Expired"
    info: dict[str, Any] = {"status": status}
    limits = [expires] if expires is not None else []
    if cache_seconds > 0:
        limits.append(now + timedelta(seconds=cache_seconds))
    if limits:
        info["cacheExpiryDateTime"] = iso(min(limits))
    group = doc.get("groupIdToken")
    if group:
        info["groupIdToken"] = {"idToken": group["idToken"], "type": group["type"]}
    message = doc.get("personalMessage")
    if message:
        info["personalMessage"] = {
            k: message[k] for k in ("format", "language", "content") if k in message
        }
    return info


def is_master_pass(doc: Mapping[str, Any] | None, master_pass_group_id: str) -> bool:
    """Whether a stored token belongs to the Master Pass group (C16): its groupIdToken's
    idToken equals the configured ``MASTER_PASS_GROUP_ID`` (as the station's
    ``AuthCtrlr.MasterPassGroupId`` compares it); never when that is empty."""
    if not master_pass_group_id or doc is None:
        return False
    group = doc.get("groupIdToken")
    return isinstance(group, Mapping) and group.get("idToken") == master_pass_group_id
