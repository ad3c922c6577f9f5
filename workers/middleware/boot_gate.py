"""B02/B03: a station whose boot is Pending or Rejected may not send other CALLs.

While Pending the CSMS may still receive what it asked for: NotifyReport after
GetBaseReport, and any message it triggered with TriggerMessage in the last
``TRIGGER_WINDOW``. While Rejected only a new BootNotification is allowed. Everything else
is answered with CALLERROR SecurityError, and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.ocppj import ErrorCode

from ..routing import TRIGGERED_ACTIONS, Route

REFUSED = ErrorCode.SECURITY_ERROR
TRIGGER_WINDOW = timedelta(minutes=5)


def _triggered(station_doc: Mapping[str, Any], action: str, now: datetime) -> bool:
    for message, at in (station_doc.get("triggered") or {}).items():
        if TRIGGERED_ACTIONS.get(message) == action and now - at <= TRIGGER_WINDOW:
            return True
    return False


def refusal(
    station_doc: Mapping[str, Any] | None, action: str, route: Route, now: datetime
) -> str | None:
    """The description of the SecurityError to send, or None to let the CALL through."""
    doc = station_doc or {}
    status = (doc.get("boot") or {}).get("status")
    if (
        status == "Pending"
        and not route.allowed_before_accepted
        and not _triggered(doc, action, now)
    ):
        return f"{action} not allowed while the BootNotification is Pending"
    if status == "Rejected" and action != "BootNotification":
        return f"{action} not allowed: the BootNotification was Rejected"
    return None
