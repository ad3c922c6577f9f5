"""StatusNotification (1.6): the connector's status as 2.0.1 keeps it (G01)."""

from __future__ import annotations

from shared.events import iso

from ...context import Context, Payload
from ..availability import status_notification
from . import translate


async def handle(ctx: Context, request: Payload) -> Payload:
    return await status_notification.handle(
        ctx, translate.status_notification(request, iso(ctx.now))
    )
