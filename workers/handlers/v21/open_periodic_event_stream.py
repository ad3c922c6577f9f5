"""OpenPeriodicEventStream: the station asks to stream a monitor's values (sent by
NotifyPeriodicEventStream, which is never answered). Always accepted: the stream is stored
so its data can be read with the monitor and parameters the station gave it."""

from __future__ import annotations

from shared import names
from store import ocpp21

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    data = request["constantStreamData"]
    await keep(ctx, request, streamId=data["id"])
    await ocpp21.open_stream(ctx.db, ctx.station, data, ctx.now)
    await ctx.emit(
        names.EVENT_STREAM_OPENED,
        streamId=data["id"],
        variableMonitoringId=data["variableMonitoringId"],
        params=data["params"],
    )
    return {"status": "Accepted"}
