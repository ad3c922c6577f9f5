"""I02: CostUpdated, sent after the answer to a TransactionEvent Updated when the
transaction's last one is at least COST_UPDATE_INTERVAL seconds old.

No scheduler: the station's own Updated events (and their meter values) pace it. When each
was sent is kept in ``cost_updates`` (``<station>/<transactionId>``), written only here,
never on the transaction's summary, which the station's next TransactionEvent may be
writing while this runs.
"""

from __future__ import annotations

from decimal import Decimal

from shared import names
from shared.events import utc_now
from store import tariffs

from ...context import Context
from .pricing import as_number

ACTION = "CostUpdated"


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
    last = await tariffs.last_cost_update(ctx.db, ctx.station, transaction_id)
    now = utc_now()
    if last is not None and (now - last["sentAt"]).total_seconds() < (
        ctx.settings.cost_update_interval
    ):
        return
    # Noted before sending: a station that does not answer is not asked again at once.
    await tariffs.record_cost_update(
        ctx.db, ctx.station, transaction_id, {"sentAt": now, "totalCost": str(total)}
    )
    await ctx.commands.send(
        ctx.station,
        ACTION,
        {"totalCost": as_number(total), "transactionId": transaction_id},
        timeout=ctx.settings.command_timeout,
        wait=False,
    )
