"""FirmwareStatusNotification (1.6): its status words are 2.0.1's (L01)."""

from __future__ import annotations

from ...context import Context, Payload
from ..firmware import firmware_status_notification


async def handle(ctx: Context, request: Payload) -> Payload:
    return await firmware_status_notification.handle(ctx, {"status": request["status"]})
