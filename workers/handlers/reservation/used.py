"""H03: a TransactionEvent carrying ``reservationId`` ends that reservation as Used.

The transaction's summary keeps the ``reservationId`` (TransactionEvent writes it); the
reservation's side is a fact of its own, the first transaction to name it, so the
transaction handler never writes the API's reservation document.
"""

from __future__ import annotations

from shared import names
from store import reservations

from ...context import Context


async def record_use(ctx: Context, reservation_id: int, transaction_id: str) -> None:
    await reservations.add_fact(
        ctx.db,
        ctx.station,
        reservation_id,
        reservations.FACT_TRANSACTION,
        {"transactionId": transaction_id, "at": ctx.now, "messageId": ctx.message_id},
    )
    await ctx.emit(
        names.EVENT_RESERVATION_USED,
        key=f"{reservation_id}/used",
        reservationId=reservation_id,
        transactionId=transaction_id,
    )
