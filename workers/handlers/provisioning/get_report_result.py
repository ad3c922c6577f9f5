"""GetReport answered (B08): remember the report request and its criteria."""

from __future__ import annotations

from store import device_model

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    await device_model.record_report_request(
        ctx.db,
        ctx.station,
        request["requestId"],
        {
            "kind": "GetReport",
            "componentCriteria": request.get("componentCriteria"),
            "componentVariable": request.get("componentVariable"),
            "status": response["status"],
            "requestedAt": ctx.now,
        },
    )
