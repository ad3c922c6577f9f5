"""The step every 2.1 handler here starts with: keep the message, publish that it came."""

from __future__ import annotations

from typing import Any

from shared import names
from store import ocpp21

from ...context import Context, Payload


async def keep(ctx: Context, request: Payload, **facts: Any) -> None:
    """Keep ``request`` as sent (once per message) and publish ``station.message``; the
    event goes out again for a redelivered message, as every event does."""
    await ocpp21.keep_message(
        ctx.db, ctx.record_id(), ctx.station, ctx.action, request, ctx.now, **facts
    )
    await ctx.emit(names.EVENT_STATION_MESSAGE, action=ctx.action, **facts)
