"""ClosePeriodicEventStream: the station ended a stream. Answered alike whether or not the
CSMS knew it (the answer has no status); ``known`` in the event says which."""

from __future__ import annotations

from shared import names
from store import ocpp21

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request, streamId=request["id"])
    known = await ocpp21.close_stream(ctx.db, ctx.station, request["id"], ctx.now)
    await ctx.emit(names.EVENT_STREAM_CLOSED, streamId=request["id"], known=known)
    return {}
