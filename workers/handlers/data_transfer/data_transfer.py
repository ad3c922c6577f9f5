"""DataTransfer (P02): route to a vendor handler passed to the Worker, else UnknownVendorId.

Every transfer is recorded, whatever the answer, so an operator can see what vendors'
firmware is trying to tell them.
"""

from __future__ import annotations

from shared import names
from store import records

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    vendor = ctx.vendors.get(request["vendorId"])
    response: Payload = (
        {"status": "UnknownVendorId"} if vendor is None else await vendor(ctx, request)
    )
    await records.add_data_transfer(
        ctx.db,
        {
            "_id": ctx.record_id(),
            "station": ctx.station,
            "request": request,
            "response": response,
            "receivedAt": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_DATA_TRANSFER,
        vendorId=request["vendorId"],
        messageId=request.get("messageId"),
        status=response["status"],
    )
    return response
