"""NotifyEVChargingSchedule (K17): the schedule the EV chose within the limits it was given,
kept per EVSE as sent, with ``timeBase`` parsed. Always answered ``Accepted``: nothing
checks it against the profile the CSMS sent yet (that would answer ``Rejected``)."""

from __future__ import annotations

from shared import names, timestamps
from store import charging_limits

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    evse_id = request["evseId"]
    await charging_limits.set_schedule(
        ctx.db,
        ctx.station,
        evse_id,
        {
            "timeBase": timestamps.parse(request["timeBase"]),
            "chargingSchedule": request["chargingSchedule"],
            "messageId": ctx.message_id,
            "receivedAt": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_CHARGING_SCHEDULE,
        evseId=evse_id,
        timeBase=request["timeBase"],
        chargingSchedule=request["chargingSchedule"],
    )
    return {"status": "Accepted"}
