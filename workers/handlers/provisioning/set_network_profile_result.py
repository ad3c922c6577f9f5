"""SetNetworkProfile answered (B09): an accepted profile is kept per configuration slot, so
a later security-profile upgrade knows what the station was given."""

from __future__ import annotations

from shared import names
from store import station_state

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    if response["status"] != "Accepted":
        return
    kind = f"{names.STATE_NETWORK_PROFILE_PREFIX}{request['configurationSlot']}"
    await station_state.put(ctx.db, ctx.station, kind, request)
