"""SecurityEventNotification (A04): every security event is kept and published."""

from __future__ import annotations

from shared import names, timestamps
from store import records

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    doc = {
        "_id": ctx.record_id(),
        "station": ctx.station,
        "type": request["type"],
        "timestamp": timestamps.parse(request["timestamp"]),
        "techInfo": request.get("techInfo"),
        "source": "station",
        "receivedAt": ctx.now,
    }
    await records.add_security_event(ctx.db, doc)
    # Also when stored before: a redelivery publishes what a lost worker may not have.
    await ctx.emit(
        names.EVENT_SECURITY,
        type=request["type"],
        timestamp=request["timestamp"],
        techInfo=request.get("techInfo"),
    )
    return {}
