"""StatusNotification (G01): the connector's status, kept per EVSE and connector."""

from __future__ import annotations

from shared import names, timestamps
from store import connectors

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    current = await connectors.set_status(
        ctx.db,
        ctx.station,
        request["evseId"],
        request["connectorId"],
        request["connectorStatus"],
        timestamps.parse(request["timestamp"]),
    )
    if current:
        await ctx.emit(
            names.EVENT_STATUS_CHANGED,
            evseId=request["evseId"],
            connectorId=request["connectorId"],
            status=request["connectorStatus"],
            timestamp=request["timestamp"],
        )
    return {}
