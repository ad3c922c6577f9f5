"""StopTransaction (1.6): the 2.0.1 TransactionEvent Ended (E06), with meterStop and the
transactionData as its meter values."""

from __future__ import annotations

from shared.ocpp16_commands import id_tag_info

from ...context import Context, Payload
from ..transactions import transaction_event
from . import translate
from .common import id_tag_type, next_seq_no


async def handle(ctx: Context, request: Payload) -> Payload:
    seq_no = await next_seq_no(ctx, str(request["transactionId"]), request)
    token_type = ctx.settings.ocpp16_id_tag_type
    if "idTag" in request:
        token_type = await id_tag_type(ctx, request["idTag"])
    answer = await transaction_event.handle(
        ctx, translate.transaction_ended(request, seq_no, token_type)
    )
    if "idTokenInfo" not in answer:
        return {}
    return {"idTagInfo": id_tag_info(answer["idTokenInfo"])}
