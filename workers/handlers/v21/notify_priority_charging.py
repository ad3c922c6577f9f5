"""NotifyPriorityCharging: the station says priority charging of a transaction started or
stopped (after a UsePriorityCharging, or by a local button). Kept and published; the site
load management does not yet give such a transaction a larger share."""

from __future__ import annotations

from shared import names

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request, transactionId=request["transactionId"])
    await ctx.emit(
        names.EVENT_PRIORITY_CHARGING,
        transactionId=request["transactionId"],
        activated=request["activated"],
    )
    return {}
