"""ClearedChargingLimit (K13): an external limit no longer applies; the limit stored by
NotifyChargingLimit for that station/EVSE and source is marked inactive, not deleted."""

from __future__ import annotations

from shared import names
from store import charging_limits

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    source = request["chargingLimitSource"]
    evse_id = request.get("evseId")
    await charging_limits.clear_limit(ctx.db, ctx.station, evse_id, source, ctx.now, ctx.message_id)
    await ctx.emit(
        names.EVENT_CHARGING_LIMIT,
        evseId=evse_id,
        chargingLimitSource=source,
        active=False,
        isGridCritical=None,
        chargingSchedule=None,
    )
    return {}
