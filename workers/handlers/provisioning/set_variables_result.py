"""SetVariables answered (B05): values the station accepted go into the device model."""

from __future__ import annotations

from typing import Any

from store import device_model

from ...context import Context, Payload

APPLIED = ("Accepted", "RebootRequired")


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    component, variable = item["component"], item["variable"]
    evse = component.get("evse") or {}
    return (
        component["name"],
        component.get("instance"),
        evse.get("id"),
        evse.get("connectorId"),
        variable["name"],
        variable.get("instance"),
        item.get("attributeType", "Actual"),
    )


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    applied = {_key(r) for r in response["setVariableResult"] if r["attributeStatus"] in APPLIED}
    values = [
        (d["component"], d["variable"], d.get("attributeType", "Actual"), d["attributeValue"])
        for d in request["setVariableData"]
        if _key(d) in applied
    ]
    await device_model.store_values(ctx.db, ctx.station, values, ctx.now)
