"""NotifyPeriodicEventStream: a part of a stream's values, sent as an OCPP-J SEND, so it is
never answered: the gateway forwards it and the worker stores it without a reply. A part of
a stream the CSMS never saw opened is still stored (``known`` false): dropping it would lose
data a station had no way to resend."""

from __future__ import annotations

from shared import names, timestamps
from store import ocpp21

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> None:
    stream = request["id"]
    known = await ocpp21.stream(ctx.db, ctx.station, stream) is not None
    await ocpp21.add_stream_data(
        ctx.db,
        {
            "_id": ctx.record_id(),
            "station": ctx.station,
            "streamId": stream,
            "basetime": timestamps.parse(request["basetime"]),
            "pending": request["pending"],
            "data": request["data"],
            "known": known,
            "receivedAt": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_STREAM_DATA,
        streamId=stream,
        basetime=request["basetime"],
        pending=request["pending"],
        data=request["data"],
        known=known,
    )
