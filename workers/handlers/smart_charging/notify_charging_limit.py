"""NotifyChargingLimit (K12): an external limit (EMS, SO, CSO, Other) the station now obeys,
for the station as a whole or one EVSE, with the schedule it follows if the station sent one.

Kept per station, EVSE and ``chargingLimitSource``; the site load management takes the
limit in force of its schedule as the EVSE's (or the station's) local limit
(``shared.site_inputs.station_limits``) when the ``charging.limit`` event reaches the sites
queue.
"""

from __future__ import annotations

from shared import names
from store import charging_limits

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    limit = request["chargingLimit"]
    source = limit["chargingLimitSource"]
    evse_id = request.get("evseId")
    await charging_limits.set_limit(
        ctx.db,
        ctx.station,
        evse_id,
        source,
        {
            "isGridCritical": limit.get("isGridCritical"),
            "chargingSchedule": request.get("chargingSchedule"),
            "messageId": ctx.message_id,
            "receivedAt": ctx.now,
        },
    )
    # Also when stored before: a redelivery publishes what a lost worker may not have.
    await ctx.emit(
        names.EVENT_CHARGING_LIMIT,
        evseId=evse_id,
        chargingLimitSource=source,
        active=True,
        isGridCritical=limit.get("isGridCritical"),
        chargingSchedule=request.get("chargingSchedule"),
    )
    return {}
