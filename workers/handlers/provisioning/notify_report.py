"""NotifyReport (B07/B08): store each reported component/variable in the device model and
track the report's parts (``tbc`` paging) per requestId."""

from __future__ import annotations

from shared import names, timestamps
from store import device_model

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    items = request.get("reportData", [])
    await device_model.store_report_data(ctx.db, ctx.station, items, ctx.now)
    tbc = bool(request.get("tbc", False))
    await device_model.record_report_part(
        ctx.db,
        ctx.station,
        request["requestId"],
        request["seqNo"],
        tbc,
        timestamps.parse(request["generatedAt"]),
        len(items),
    )
    await ctx.emit(
        names.EVENT_REPORT,
        requestId=request["requestId"],
        seqNo=request["seqNo"],
        tbc=tbc,
        variables=len(items),
    )
    return {}
