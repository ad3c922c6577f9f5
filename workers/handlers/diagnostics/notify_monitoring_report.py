"""NotifyMonitoringReport (N02): one part of the answer to a GetMonitoringReport, per
``requestId``; ``tbc`` says more parts follow. Each part is kept under its message's
record id, once; the API assembles them into the station's monitor list."""

from __future__ import annotations

from shared import names, timestamps
from store import monitors

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    doc = {
        "_id": ctx.record_id(),
        "station": ctx.station,
        "requestId": request["requestId"],
        "seqNo": request["seqNo"],
        "generatedAt": timestamps.parse(request["generatedAt"]),
        "tbc": request.get("tbc", False),
        "monitor": request.get("monitor", []),
        "receivedAt": ctx.now,
    }
    await monitors.add_report_part(ctx.db, doc)
    # Also when stored before: a redelivery publishes what a lost worker may not have.
    await ctx.emit(
        names.EVENT_MONITORING_REPORT,
        requestId=request["requestId"],
        seqNo=request["seqNo"],
        tbc=doc["tbc"],
        monitorIds=[m["id"] for data in doc["monitor"] for m in data["variableMonitoring"]],
    )
    return {}
