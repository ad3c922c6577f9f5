"""StartTransaction (1.6): the CSMS allocates the integer transactionId, and the start is
the 2.0.1 TransactionEvent Started (E01-E03), so sites, tariffs and the API see it as any
other transaction, with ``ocppVersion`` 1.6 (the context's version, as for any). A start
that answers a RemoteStartTransaction is linked to that command, as a 2.0.1 transaction is
by its remoteStartId (F01/F02), which 1.6 lacks: by idTag, connector and time
(``translate.remote_starts``)."""

from __future__ import annotations

from shared.ocpp16_commands import id_tag_info
from store import commands, ocpp16, transactions

from ...context import Context, Payload
from ..transactions import transaction_event
from . import translate
from .common import id_tag_type


async def handle(ctx: Context, request: Payload) -> Payload:
    transaction_id = await ocpp16.once(
        ctx.db,
        ctx.station,
        ctx.message_id,
        request,
        lambda: ocpp16.next_transaction_id(ctx.db, ctx.station),
    )
    token_type = await id_tag_type(ctx, request["idTag"])
    event = translate.transaction_started(request, transaction_id, token_type)
    answer = await transaction_event.handle(ctx, event)
    await _link_remote_start(ctx, request, str(transaction_id))
    return {
        "idTagInfo": id_tag_info(answer["idTokenInfo"]),
        "transactionId": transaction_id,
    }


async def _link_remote_start(ctx: Context, request: Payload, transaction_id: str) -> None:
    """The latest remote start this one may answer that no other transaction took. Written
    on the transaction only, as for 2.0.1; a redelivery finds its own link and stops."""
    since = ctx.now - translate.REMOTE_START_WINDOW
    sent = await commands.recent(ctx.db, ctx.station, "RemoteStartTransaction", since)
    for command_id in translate.remote_starts(sent, request, ctx.now):
        taken = await transactions.find_by_command(ctx.db, command_id)
        if taken is None:
            await transactions.set_fields(
                ctx.db, ctx.station, transaction_id, {"commandId": command_id}
            )
            return
        if taken["transactionId"] == transaction_id:
            return
