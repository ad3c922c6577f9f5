"""UpdateFirmware answered (L01): the request and the station's verdict; progress then
arrives as FirmwareStatusNotification."""

from __future__ import annotations

from shared import names
from store import station_state

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    await station_state.put(
        ctx.db,
        ctx.station,
        names.STATE_FIRMWARE_UPDATE,
        {
            "requestId": request["requestId"],
            "firmware": request["firmware"],
            "status": response["status"],
            "commandId": ctx.message_id,
            "at": ctx.now,
        },
    )
