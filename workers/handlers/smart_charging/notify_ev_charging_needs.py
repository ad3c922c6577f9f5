"""NotifyEVChargingNeeds (K15-K17): what the EV asks for over ISO 15118, kept per EVSE.

``chargingNeeds`` is stored as sent (energy amount, currents, voltage, power, state of
charge, departure time), plus ``departureAt`` parsed and ``maxCurrent``: the EV's
``evMaxCurrent`` in A per phase when it charges AC (for DC it is a DC current, so None).

Always answered ``Accepted`` (K15.FR.03, K17.FR.03): the CSMS can give a schedule at once.
Then the EVSE's transaction gets a TxProfile (K15, K17; OCTT TC_K_53, TC_K_57), sent again
even when its limit did not change, since the station waits for one to hand the EV its
schedule (``ev_profiles``):

* a station in a site: the site load management reads these needs (the EV's maximum for its
  transaction, ``shared.site_inputs.ev_max``; a DC ``evMaxPower`` as A per phase; what it
  needs to get its energy amount by its departure, ``site_inputs.needed_current``, served
  before the others get more than their minimum) when the ``charging.needs`` event reaches
  the sites queue, recomputes the site and sends the transaction its share, changed or not;
* a station in no site: after the answer, the operator's TxProfile for the transaction when
  the CSMS holds one, else the smaller of the EV's and the EVSE's maximum
  (``shared.ev_charging.own_profile``).
"""

from __future__ import annotations

from typing import Any

from shared import names, timestamps
from store import charging_limits, sites

from ...context import Context, Payload
from . import ev_profiles


def max_current(needs: dict[str, Any]) -> float | None:
    """The EV's maximum AC current in A per phase, if it gave one."""
    ac = needs.get("acChargingParameters")
    return None if ac is None else ac["evMaxCurrent"]


async def handle(ctx: Context, request: Payload) -> Payload:
    needs = request["chargingNeeds"]
    evse_id = request["evseId"]
    departure = needs.get("departureTime")
    current = max_current(needs)
    await charging_limits.set_needs(
        ctx.db,
        ctx.station,
        evse_id,
        {
            "chargingNeeds": needs,
            "requestedEnergyTransfer": needs["requestedEnergyTransfer"],
            "maxCurrent": current,
            "departureAt": None if departure is None else timestamps.parse(departure),
            "maxScheduleTuples": request.get("maxScheduleTuples"),
            "messageId": ctx.message_id,
            "receivedAt": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_CHARGING_NEEDS,
        evseId=evse_id,
        chargingNeeds=needs,
        maxCurrent=current,
        maxScheduleTuples=request.get("maxScheduleTuples"),
    )
    if ctx.commands is not None and await sites.site_of(ctx.db, ctx.station) is None:
        ctx.after_reply.append(lambda: ev_profiles.send_profile(ctx, evse_id, "needs"))
    return {"status": "Accepted"}
