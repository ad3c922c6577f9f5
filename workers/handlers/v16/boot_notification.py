"""BootNotification (1.6): the 2.0.1 boot (B01-B03) with the charge point's identity. Its
follow-ups are 2.0.1 commands, which its gateway translates (the local list's SendLocalList)
or ends ``other_version`` unsent (GetBaseReport: 1.6 has GetConfiguration instead)."""

from __future__ import annotations

from ...context import Context, Payload
from ..provisioning import boot_notification
from . import translate


async def handle(ctx: Context, request: Payload) -> Payload:
    return await boot_notification.handle(ctx, translate.boot_notification(request))
