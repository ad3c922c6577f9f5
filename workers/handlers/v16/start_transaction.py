"""StartTransaction (1.6): the CSMS allocates the integer transactionId, and the start is
the 2.0.1 TransactionEvent Started (E01-E03), so sites, tariffs and the API see it as any
other transaction, with ``ocppVersion`` 1.6 (the context's version, as for any)."""

from __future__ import annotations

from shared.ocpp16_commands import id_tag_info
from store import ocpp16

from ...context import Context, Payload
from ..transactions import transaction_event
from . import translate
from .common import id_tag_type


async def handle(ctx: Context, request: Payload) -> Payload:
    transaction_id = await ocpp16.once(
        ctx.db, ctx.station, ctx.message_id, lambda: ocpp16.next_transaction_id(ctx.db, ctx.station)
    )
    token_type = await id_tag_type(ctx, request["idTag"])
    event = translate.transaction_started(request, transaction_id, token_type)
    answer = await transaction_event.handle(ctx, event)
    return {
        "idTagInfo": id_tag_info(answer["idTokenInfo"]),
        "transactionId": transaction_id,
    }
