"""NotifyEVChargingSchedule (K17): the schedule the EV chose within the limits it was given,
kept per EVSE as sent, with ``timeBase`` parsed, and checked against the limit the site load
management sent for the EVSE's transaction (``check``): ``within`` false, with the periods
above it, when the EV plans to take more than it was given.

Answered ``Accepted`` either way: the response says the CSMS processed the message, and
"does not imply any approval of the charging schedule" (its schema); an EV above its limit
is the station's to hold to the profile, so it is logged and published for an operator.
A station in no site, or an EVSE whose transaction has no accepted limit yet, gets ``check``
None: nothing the CSMS sent to compare with.
"""

from __future__ import annotations

import logging
from typing import Any

from shared import names, site_inputs, timestamps
from shared.logs import Limited
from store import charging_limits, sites

from ...context import Context, Payload

log = Limited(logging.getLogger("workers.smart_charging"))  # a station decides how often


async def _check(ctx: Context, evse_id: int, schedule: dict[str, Any]) -> dict[str, Any] | None:
    site_id = await sites.site_of(ctx.db, ctx.station)
    if site_id is None:
        return None
    site = await sites.get(ctx.db, site_id)
    allocation = await sites.get_allocation(ctx.db, site_id)
    if site is None or allocation is None:
        return None
    sent = [
        e
        for e in allocation.get("limits", [])
        if e["stationId"] == ctx.station
        and e["evseId"] == evse_id
        and e["status"] == names.SITE_LIMIT_ACCEPTED
    ]
    if not sent:
        return None
    limit = sent[-1]["limit"]
    above = site_inputs.periods_above(
        schedule,
        limit,
        site.get("phases", site_inputs.DEFAULT_PHASES),
        site.get("voltage", site_inputs.DEFAULT_VOLTAGE),
    )
    return {
        "siteId": site_id,
        "transactionId": sent[-1]["transactionId"],
        "limit": limit,
        "unit": "A",
        "within": not above,
        "periodsAbove": above,
    }


async def handle(ctx: Context, request: Payload) -> Payload:
    evse_id = request["evseId"]
    check = await _check(ctx, evse_id, request["chargingSchedule"])
    if check is not None and not check["within"]:
        log.warning(
            "an EV plans to charge above the limit its transaction was sent",
            evseId=evse_id,
            **check,
        )
    await charging_limits.set_schedule(
        ctx.db,
        ctx.station,
        evse_id,
        {
            "timeBase": timestamps.parse(request["timeBase"]),
            "chargingSchedule": request["chargingSchedule"],
            "check": check,
            "messageId": ctx.message_id,
            "receivedAt": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_CHARGING_SCHEDULE,
        evseId=evse_id,
        timeBase=request["timeBase"],
        chargingSchedule=request["chargingSchedule"],
        check=check,
    )
    return {"status": "Accepted"}
