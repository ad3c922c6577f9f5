"""When workers give an OCPP 2.1 station its tariff (SetDefaultTariff, for the whole station:
``evseId`` 0): after every accepted boot, the tariff it charges under (its own, else the
default), so a station that computes costs locally shows the prices the CSMS bills.

Sent without waiting, after the station has its BootNotification answer; the outcome is in
the ``commands`` collection and ``command.completed``, and the station's answer is kept
(``handlers/tariff_cost/set_default_tariff_result.py``): one that accepted computes its
cost itself and is sent no CostUpdated nor ``totalCost`` (``pricing.py``). A station under
no tariff is sent nothing. The API sends the tariff again when an operator changes it
(``api/routes/tariffs``).
"""

from __future__ import annotations

from shared import names
from shared import tariffs as pricing

from .context import Context
from .handlers.tariff_cost import catalogue


async def after_accepted(ctx: Context) -> None:
    """Follow-up of an accepted boot (``Context.after_reply``)."""
    if ctx.commands is None or ctx.ocpp_version != names.OCPP21:
        return
    known = await catalogue.load(ctx.db, ctx.settings.tariff_cache_seconds)
    tariff = await catalogue.for_station(ctx.db, known, ctx.station) if known else None
    if tariff is None:
        return
    await ctx.commands.send(
        ctx.station,
        "SetDefaultTariff",
        pricing.set_default_tariff(tariff),
        timeout=ctx.settings.command_timeout,
        wait=False,
        version=names.OCPP21,
    )
