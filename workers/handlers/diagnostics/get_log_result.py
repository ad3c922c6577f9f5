"""GetLog answered (N01): the request and the station's verdict; upload progress then
arrives as LogStatusNotification."""

from __future__ import annotations

from shared import names
from store import station_state

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    log_request = {
        "requestId": request["requestId"],
        "logType": request["logType"],
        "status": response["status"],
        "commandId": ctx.message_id,
        "at": ctx.now,
    }
    if "filename" in response:
        log_request["filename"] = response["filename"]
    await station_state.put(ctx.db, ctx.station, names.STATE_LOG_REQUEST, log_request)
