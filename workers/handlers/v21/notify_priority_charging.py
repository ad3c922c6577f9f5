"""NotifyPriorityCharging: the station says priority charging of a transaction started or
stopped (after a UsePriorityCharging, or by a local button). Kept, noted on the transaction
(``priorityCharging``) and published; the event makes the site load management recompute
the station's site, which serves a priority transaction first
(``shared/site_allocation.py``). A transaction the CSMS does not know is noted nowhere."""

from __future__ import annotations

from shared import names
from store import transactions

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request, transactionId=request["transactionId"])
    await transactions.set_fields(
        ctx.db, ctx.station, request["transactionId"], {"priorityCharging": request["activated"]}
    )
    await ctx.emit(
        names.EVENT_PRIORITY_CHARGING,
        transactionId=request["transactionId"],
        activated=request["activated"],
    )
    return {}
