"""GetBaseReport answered (B07): remember the report request; NotifyReport parts follow
and ``notify_report`` marks it complete."""

from __future__ import annotations

from store import device_model

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    await device_model.record_report_request(
        ctx.db,
        ctx.station,
        request["requestId"],
        {
            "kind": "GetBaseReport",
            "reportBase": request["reportBase"],
            "status": response["status"],
            "requestedAt": ctx.now,
        },
    )
