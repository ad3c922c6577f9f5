"""B02/B03: a station whose boot is Pending or Rejected may not send other CALLs.

While Pending the CSMS may still receive what it asked for (NotifyReport after
GetBaseReport); while Rejected only a new BootNotification is allowed. Everything else is
answered with CALLERROR SecurityError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.ocppj import ErrorCode

from ..routing import Route

REFUSED = ErrorCode.SECURITY_ERROR


def refusal(station_doc: Mapping[str, Any] | None, action: str, route: Route) -> str | None:
    """The description of the SecurityError to send, or None to let the CALL through."""
    status = ((station_doc or {}).get("boot") or {}).get("status")
    if status == "Pending" and not route.allowed_before_accepted:
        return f"{action} not allowed while the BootNotification is Pending"
    if status == "Rejected" and action != "BootNotification":
        return f"{action} not allowed: the BootNotification was Rejected"
    return None
