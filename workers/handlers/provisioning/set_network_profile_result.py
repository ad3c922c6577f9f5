"""SetNetworkProfile answered (B09): an accepted profile is kept per configuration slot, so
a later security-profile upgrade knows what the station was given."""

from __future__ import annotations

from ...context import Context, Payload
from ...store import stations


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    if response["status"] != "Accepted":
        return
    doc = await stations.get(ctx.db, ctx.station) or {}
    profiles = [
        p
        for p in doc.get("networkProfiles", [])
        if p["configurationSlot"] != request["configurationSlot"]
    ]
    profiles.append({**request, "acceptedAt": ctx.now})
    await stations.set_fields(ctx.db, ctx.station, {"networkProfiles": profiles})
