"""Heartbeat (G02): the station's clock source. ``lastSeen`` is already noted by the
consumer for every message (and written in batches), so there is nothing more to store."""

from __future__ import annotations

from shared import names
from shared.events import iso

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    await ctx.emit(names.EVENT_HEARTBEAT)
    return {"currentTime": iso(ctx.now)}
