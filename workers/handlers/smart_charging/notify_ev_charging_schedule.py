"""NotifyEVChargingSchedule (K15-K17): the schedule the EV chose within the limits it was
given, kept per EVSE as sent, with ``timeBase`` parsed, and checked (``check``) against the
TxProfiles the CSMS gave the EVSE's transaction (``ev_profiles.sent``): the site's limit
the station accepted, else the one sent after the EV's needs, and the operator's own
(``POST .../charging-profiles``), the one in force with the highest stackLevel governing
(``shared.ev_charging.periods_above``).

Within them: ``Accepted`` (K15.FR.11, K16.FR.06, K17.FR.11). Above them: ``Rejected``
(K15.FR.12, K16.FR.07, K17.FR.12), logged and published, and the CSMS starts a
renegotiation (K15.FR.13, K16.FR.08, K17.FR.13; OCTT TC_K_55) by sending the transaction
its TxProfile again: through the site driver for a station in a site (the event's
``renegotiate``), else after the answer (``ev_profiles.send_profile``). Once per run of
rejections of a transaction: an EV that keeps choosing too much is answered Rejected each
time, but the CSMS does not send profiles in a loop. No transaction on the EVSE, or none of
its profiles known: ``check`` None, answered Accepted (nothing to hold it to).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from shared import ev_charging, names, site_inputs, timestamps
from shared.logs import Limited
from store import charging_limits, sites

from ...context import Context, Payload
from . import ev_profiles

log = Limited(logging.getLogger("workers.smart_charging"))  # a station decides how often


async def _check(ctx: Context, evse_id: int, request: Payload) -> dict[str, Any] | None:
    tx = await ev_profiles.current_transaction(ctx, evse_id)
    if tx is None:
        return None
    site_id = await sites.site_of(ctx.db, ctx.station)
    profiles = await ev_profiles.sent(ctx, evse_id, tx, site_id)
    if not profiles:
        return None
    site = None if site_id is None else await sites.get(ctx.db, site_id)
    above = ev_charging.periods_above(
        request["chargingSchedule"],
        timestamps.parse(request["timeBase"]),
        profiles,
        (site or {}).get("phases", site_inputs.DEFAULT_PHASES),
        (site or {}).get("voltage", site_inputs.DEFAULT_VOLTAGE),
    )
    return {
        "siteId": site_id,
        "transactionId": tx["transactionId"],
        "profiles": [
            {
                "id": p["id"],
                "stackLevel": p["stackLevel"],
                "chargingSchedule": p["chargingSchedule"],
            }
            for p in profiles
        ],
        "within": not above,
        "periodsAbove": above,
    }


def renegotiate(
    check: Mapping[str, Any] | None, previous: Mapping[str, Any] | None, message_id: str
) -> bool:
    """Start a renegotiation: the schedule is above its limits, and the last one of the
    same transaction was not (or was this very message, handled again)."""
    if check is None or check["within"]:
        return False
    if previous is None or previous.get("messageId") == message_id:
        return True
    before = previous.get("check")
    return not (
        before is not None
        and not before["within"]
        and before["transactionId"] == check["transactionId"]
    )


async def handle(ctx: Context, request: Payload) -> Payload:
    evse_id = request["evseId"]
    check = await _check(ctx, evse_id, request)
    previous = await charging_limits.get_schedule(ctx.db, ctx.station, evse_id)
    again = renegotiate(check, previous, ctx.message_id)
    if check is not None and not check["within"]:
        log.warning(
            "an EV plans to charge above the TxProfiles of its transaction; Rejected",
            evseId=evse_id,
            renegotiate=again,
            transactionId=check["transactionId"],
            periodsAbove=check["periodsAbove"],
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
        renegotiate=again and check is not None and check["siteId"] is not None,
    )
    if again and check is not None and check["siteId"] is None and ctx.commands is not None:
        ctx.after_reply.append(lambda: ev_profiles.send_profile(ctx, evse_id, "renegotiation"))
    return {"status": "Accepted" if check is None or check["within"] else "Rejected"}
