"""FirmwareStatusNotification (L01): progress of an UpdateFirmware request."""

from __future__ import annotations

from shared import names
from store import station_state

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload) -> Payload:
    status = {"status": request["status"], "at": ctx.now}
    if "requestId" in request:
        status["requestId"] = request["requestId"]
    await station_state.put(ctx.db, ctx.station, names.STATE_FIRMWARE_STATUS, status)
    await ctx.emit(
        names.EVENT_FIRMWARE_STATUS, status=request["status"], requestId=request.get("requestId")
    )
    return {}
