"""NotifyEvent (N07): monitoring events reported by the station, kept as a log."""

from __future__ import annotations

from shared import names, timestamps
from store import records

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    generated = timestamps.parse(request["generatedAt"])
    docs = [
        {
            "_id": ctx.record_id(i),
            "station": ctx.station,
            "generatedAt": generated,
            "seqNo": request["seqNo"],
            "receivedAt": ctx.now,
            **event,
            "timestamp": timestamps.parse(event["timestamp"]),
        }
        for i, event in enumerate(request["eventData"])
    ]
    await records.add_station_events(ctx.db, docs)
    await ctx.emit(
        names.EVENT_NOTIFY,
        seqNo=request["seqNo"],
        tbc=request.get("tbc", False),
        eventData=request["eventData"],
    )
    return {}
