"""MeterValues (1.6): a running transaction's readings are its 2.0.1 Updated event (E02);
others are the 2.0.1 MeterValues of the connector's EVSE (J01)."""

from __future__ import annotations

from ...context import Context, Payload
from ..meter_values import meter_values
from ..transactions import transaction_event
from . import translate
from .common import next_seq_no


async def handle(ctx: Context, request: Payload) -> Payload:
    if "transactionId" in request:
        seq_no = await next_seq_no(ctx, str(request["transactionId"]), request)
        event = translate.transaction_updated(request, seq_no)
        if event is not None:
            await transaction_event.handle(ctx, event)
        return {}
    readings = translate.meter_values(request["meterValue"])
    if readings:
        await meter_values.handle(ctx, {"evseId": request["connectorId"], "meterValue": readings})
    return {}
