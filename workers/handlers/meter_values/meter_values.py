"""MeterValues (J01): store the samples a station reports outside a transaction event."""

from __future__ import annotations

from shared import names
from store import meter_values

from ...context import Context, Payload
from .sampling import to_docs


async def handle(ctx: Context, request: Payload) -> Payload:
    docs = to_docs(
        request["meterValue"],
        {"station": ctx.station, "evseId": request["evseId"], "source": "MeterValues"},
        ctx.record_id(),
    )
    await meter_values.add(ctx.db, docs)
    await ctx.emit(
        names.EVENT_METER_VALUES, evseId=request["evseId"], meterValue=request["meterValue"]
    )
    return {}
