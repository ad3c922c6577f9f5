"""NotifyCustomerInformation (N09/N10): the parts of a CustomerInformation report."""

from __future__ import annotations

from shared import names, timestamps
from store import records

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    doc = {
        "_id": f"{ctx.station}/{request['requestId']}/{request['seqNo']}",
        "station": ctx.station,
        "requestId": request["requestId"],
        "seqNo": request["seqNo"],
        "tbc": request.get("tbc", False),
        "data": request["data"],
        "generatedAt": timestamps.parse(request["generatedAt"]),
        "receivedAt": ctx.now,
    }
    await records.add_customer_information(ctx.db, doc)
    # Also when stored before: a redelivery publishes what a lost worker may not have.
    await ctx.emit(
        names.EVENT_CUSTOMER_INFORMATION,
        key=f"{request['requestId']}/{request['seqNo']}",
        requestId=request["requestId"],
        seqNo=request["seqNo"],
        tbc=doc["tbc"],
    )
    return {}
