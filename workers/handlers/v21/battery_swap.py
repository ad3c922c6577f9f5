"""BatterySwap: a battery swap station reports a battery put in or taken out (or not taken
out in time) for a swap its user started, naming the request (``requestId``, from a
RequestBatterySwap or the station's own) and the batteries' state of charge and health.
Kept and published for the operator's billing; the answer carries nothing."""

from __future__ import annotations

from shared import names

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request, requestId=request["requestId"], eventType=request["eventType"])
    await ctx.emit(
        names.EVENT_BATTERY_SWAP,
        requestId=request["requestId"],
        eventType=request["eventType"],
        idToken=request["idToken"],
        batteryData=request["batteryData"],
    )
    return {}
