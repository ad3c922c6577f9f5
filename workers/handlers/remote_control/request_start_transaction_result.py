"""RequestStartTransaction answered (F01/F02): when the station names the transaction at
once, link it to the command; otherwise the TransactionEvent carrying the remoteStartId
makes the link (see transactions/transaction_event.py)."""

from __future__ import annotations

from store import commands

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    if "transactionId" in response:
        await commands.set_fields(
            ctx.db, ctx.message_id, {"transactionId": response["transactionId"]}
        )
