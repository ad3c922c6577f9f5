"""DiagnosticsStatusNotification (1.6): the 2.0.1 LogStatusNotification (N01)."""

from __future__ import annotations

from ...context import Context, Payload
from ..diagnostics import log_status_notification
from . import translate


async def handle(ctx: Context, request: Payload) -> Payload:
    status = translate.DIAGNOSTICS_STATUS[request["status"]]
    return await log_status_notification.handle(ctx, {"status": status})
