"""TriggerMessage answered (F06): an accepted trigger is remembered, so the message it
asked for passes the boot gate even while the station is Pending (B02)."""

from __future__ import annotations

from ...context import Context, Payload
from ...store import stations


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    if response["status"] != "Accepted":
        return
    doc = await stations.get(ctx.db, ctx.station) or {}
    triggered = dict(doc.get("triggered") or {})
    triggered[request["requestedMessage"]] = ctx.now
    await stations.set_fields(ctx.db, ctx.station, {"triggered": triggered})
