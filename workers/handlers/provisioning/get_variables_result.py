"""GetVariables answered (B06): accepted values go into the device model."""

from __future__ import annotations

from store import device_model

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    values = [
        (r["component"], r["variable"], r.get("attributeType", "Actual"), r["attributeValue"])
        for r in response["getVariableResult"]
        if r["attributeStatus"] == "Accepted" and "attributeValue" in r
    ]
    await device_model.store_values(ctx.db, ctx.station, values, ctx.now)
