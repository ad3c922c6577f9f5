"""ReportChargingProfiles (K09): one part of the answer to a GetChargingProfiles, per
``requestId``; ``tbc`` says more parts follow. The message carries no sequence number, so
each part is kept under its message's record id, once."""

from __future__ import annotations

from shared import names
from store import charging_limits

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    doc = {
        "_id": ctx.record_id(),
        "station": ctx.station,
        "requestId": request["requestId"],
        "chargingLimitSource": request["chargingLimitSource"],
        "evseId": request["evseId"],
        "tbc": request.get("tbc", False),
        "chargingProfile": request["chargingProfile"],
        "receivedAt": ctx.now,
    }
    await charging_limits.add_profile_report(ctx.db, doc)
    # Also when stored before: a redelivery publishes what a lost worker may not have.
    await ctx.emit(
        names.EVENT_CHARGING_PROFILES,
        requestId=request["requestId"],
        chargingLimitSource=request["chargingLimitSource"],
        evseId=request["evseId"],
        tbc=doc["tbc"],
        profileIds=[profile["id"] for profile in request["chargingProfile"]],
    )
    return {}
