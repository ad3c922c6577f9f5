"""SignedFirmwareStatusNotification (1.6 security extension): 2.0.1's FirmwareStatusNotification
(L01), whose status words it shares."""

from __future__ import annotations

from ...context import Context, Payload
from ..firmware import firmware_status_notification


async def handle(ctx: Context, request: Payload) -> Payload:
    return await firmware_status_notification.handle(ctx, request)
