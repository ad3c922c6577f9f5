"""BootNotification (B01-B03): answer per policy, store the station's hardware and boot state.

With BOOT_REQUEST_FULL_INVENTORY set, a station's first accepted boot is followed by
GetBaseReport(FullInventory), sent only after the station has its BootNotification answer.
After every accepted boot, a station whose local list is not InSync (an update it missed
while offline, or one that failed) is sent it, once it has its answer
(``workers/local_list_sync.py``); an OCPP 2.1 station is sent its tariff
(``workers/tariff_push.py``).
"""

from __future__ import annotations

import random

from shared import names
from shared.events import iso
from store import station_state

from ... import local_list_sync, tariff_push
from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    doc = ctx.station_doc or {}
    policy = doc.get("bootPolicy") or ctx.settings.boot_policy
    interval = (
        ctx.settings.heartbeat_interval
        if policy == "Accepted"
        else ctx.settings.boot_retry_interval
    )
    previous = doc.get(names.STATE_BOOT) or {}
    first_accepted = previous.get("firstAcceptedAt")
    if policy == "Accepted" and first_accepted is None:
        first_accepted = ctx.now
        if ctx.settings.boot_request_full_inventory and ctx.commands is not None:
            ctx.after_reply.append(lambda: _request_full_inventory(ctx))
    if policy == "Accepted" and ctx.commands is not None:
        ctx.after_reply.append(lambda: local_list_sync.after_accepted(ctx))
        if ctx.ocpp_version == names.OCPP21:
            ctx.after_reply.append(lambda: tariff_push.after_accepted(ctx))
    # One document for the boot state, read with every message by the boot gate.
    await station_state.put(
        ctx.db,
        ctx.station,
        names.STATE_BOOT,
        {
            "status": policy,
            "reason": request["reason"],
            "chargingStation": request["chargingStation"],
            "at": ctx.now,
            "firstAcceptedAt": first_accepted,
        },
    )
    ctx.boot_status = policy
    await ctx.emit(
        names.EVENT_STATION_BOOTED,
        status=policy,
        reason=request["reason"],
        chargingStation=request["chargingStation"],
    )
    return {"currentTime": iso(ctx.now), "interval": interval, "status": policy}


async def _request_full_inventory(ctx: Context) -> None:
    assert ctx.commands is not None
    await ctx.commands.send(
        ctx.station,
        "GetBaseReport",
        {"requestId": random.randint(1, 2**31 - 1), "reportBase": "FullInventory"},
        timeout=ctx.settings.command_timeout,
        wait=False,
    )
