"""BootNotification (1.6): the 2.0.1 boot (B01-B03) with the charge point's identity.

The 2.0.1 boot's follow-ups (GetBaseReport, the local list's SendLocalList) are 2.0.1
commands a 1.6 charge point does not know: dropped until commands speak 1.6."""

from __future__ import annotations

from ...context import Context, Payload
from ..provisioning import boot_notification
from . import translate


async def handle(ctx: Context, request: Payload) -> Payload:
    answer = await boot_notification.handle(ctx, translate.boot_notification(request))
    ctx.after_reply.clear()
    return answer
