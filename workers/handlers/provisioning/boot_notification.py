"""BootNotification (B01-B03): answer per policy, store the station's hardware and boot state."""

from __future__ import annotations

from shared import names
from shared.events import iso

from ...context import Context, Payload
from ...store import stations


async def handle(ctx: Context, request: Payload) -> Payload:
    policy = (ctx.station_doc or {}).get("bootPolicy") or ctx.settings.boot_policy
    interval = (
        ctx.settings.heartbeat_interval
        if policy == "Accepted"
        else ctx.settings.boot_retry_interval
    )
    await stations.record_boot(
        ctx.db,
        ctx.station,
        {
            "status": policy,
            "reason": request["reason"],
            "chargingStation": request["chargingStation"],
            "at": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_STATION_BOOTED,
        status=policy,
        reason=request["reason"],
        chargingStation=request["chargingStation"],
    )
    return {"currentTime": iso(ctx.now), "interval": interval, "status": policy}
