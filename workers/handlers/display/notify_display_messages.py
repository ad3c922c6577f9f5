"""NotifyDisplayMessages (O03, O04): one part of the answer to a GetDisplayMessages, per
``requestId``; ``tbc`` says more parts follow. The message carries no sequence number, so
each part is kept under its message's record id, once."""

from __future__ import annotations

from shared import names
from store import display_messages

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    infos = request.get("messageInfo", [])
    doc = {
        "_id": ctx.record_id(),
        "station": ctx.station,
        "requestId": request["requestId"],
        "tbc": request.get("tbc", False),
        "messageInfo": infos,
        "receivedAt": ctx.now,
    }
    await display_messages.add_report(ctx.db, doc)
    # Also when stored before: a redelivery publishes what a lost worker may not have.
    await ctx.emit(
        names.EVENT_DISPLAY_REPORT,
        requestId=request["requestId"],
        tbc=doc["tbc"],
        messageIds=[info["id"] for info in infos],
    )
    return {}
