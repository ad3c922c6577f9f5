"""B02/B03: a station whose boot is Pending or Rejected may not send other CALLs.

While Pending the CSMS may still receive what it asked for: NotifyReport after
GetBaseReport, and any message it triggered with TriggerMessage in the last
``TRIGGER_WINDOW``. While Rejected only a new BootNotification is allowed. Everything else
is answered with CALLERROR SecurityError, and nothing of it is stored.

A station sends the triggered message right after answering the TriggerMessage, often
before a worker has recorded that answer, so a trigger counts from the moment the command
was recorded as sent (``commands``) as well as from its recorded answer (``station_state``).
"""

from __future__ import annotations

from datetime import timedelta

from shared import commands as statuses
from shared import names
from shared.ocppj import ErrorCode
from store import commands

from ..context import Context
from ..routing import TRIGGERED_ACTIONS, Route

REFUSED = ErrorCode.SECURITY_ERROR
TRIGGER_WINDOW = timedelta(minutes=5)
FAILED = (statuses.CALLERROR, statuses.OFFLINE, statuses.TIMEOUT, statuses.DISCONNECTED)


async def _triggered(ctx: Context, action: str) -> bool:
    asked_for = [m for m, a in TRIGGERED_ACTIONS.items() if a == action]
    for message, at in ((ctx.station_doc or {}).get(names.STATE_TRIGGERED) or {}).items():
        if message in asked_for and ctx.now - at <= TRIGGER_WINDOW:
            return True
    recent = await commands.recent(ctx.db, ctx.station, "TriggerMessage", ctx.now - TRIGGER_WINDOW)
    return any(
        c["request"].get("requestedMessage") in asked_for and c["status"] not in FAILED
        for c in recent
    )


async def refusal(ctx: Context, action: str, route: Route) -> str | None:
    """The description of the SecurityError to send, or None to let the CALL through."""
    status = ((ctx.station_doc or {}).get(names.STATE_BOOT) or {}).get("status")
    if status == names.BOOT_REJECTED and action != "BootNotification":
        return f"{action} not allowed: the BootNotification was Rejected"
    if status == names.BOOT_PENDING and not route.allowed_before_accepted:
        if not await _triggered(ctx, action):
            return f"{action} not allowed while the BootNotification is Pending"
    return None
