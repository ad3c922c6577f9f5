"""TriggerMessage answered (F06): an accepted trigger is remembered, so the message it
asked for passes the boot gate even while the station is Pending (B02)."""

from __future__ import annotations

from shared import names
from store import station_state

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    if response["status"] != "Accepted":
        return
    kind = names.STATE_TRIGGERED_PREFIX + request["requestedMessage"]
    await station_state.put(ctx.db, ctx.station, kind, ctx.now)
