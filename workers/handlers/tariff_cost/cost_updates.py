"""I02: CostUpdated, sent after the answer to a TransactionEvent Updated when the
transaction had none for at least COST_UPDATE_INTERVAL seconds.

The station's fresh reading goes out at once when due; the workers' sweep
(``workers/cost_sweep.py``) covers the rest on the same rule (``shared/cost_schedule.py``).
Each CostUpdated is claimed first, once per transaction and period
(``store/cost_updates.py``), so the two never both send in one period; never written on the
transaction's summary, which the station's next TransactionEvent may be writing meanwhile.
"""

from __future__ import annotations

from decimal import Decimal

from shared import cost_schedule, names
from shared.events import utc_now
from store import cost_updates

from ...context import Context
from .pricing import as_number

ACTION = "CostUpdated"
BY_EVENT = "event"


def schedule(ctx: Context, transaction_id: str, total: Decimal) -> None:
    """Queue the follow-up (``Context.after_reply``) unless CostUpdated is turned off or the
    station's version has no CostUpdated (1.6)."""
    if ctx.commands is None or ctx.settings.cost_update_interval <= 0:
        return
    if ctx.ocpp_version == names.OCPP16:
        return
    ctx.after_reply.append(lambda: send_if_due(ctx, transaction_id, total))


async def send_if_due(ctx: Context, transaction_id: str, total: Decimal) -> None:
    assert ctx.commands is not None
    interval = ctx.settings.cost_update_interval
    now = utc_now()
    period = cost_schedule.period(now, interval)
    last = await cost_updates.last_sent(ctx.db, ctx.station, transaction_id, period)
    if not cost_schedule.is_due(now, interval, last):
        return
    # Claimed before sending: a station that does not answer is not asked again at once.
    if not await cost_updates.claim(
        ctx.db, ctx.station, transaction_id, period, now, total, BY_EVENT
    ):
        return
    await ctx.commands.send(
        ctx.station,
        ACTION,
        {"totalCost": as_number(total), "transactionId": transaction_id},
        timeout=ctx.settings.command_timeout,
        wait=False,
    )
