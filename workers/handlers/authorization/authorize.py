"""Authorize (C01): is this idToken allowed to charge? Also the Master Pass check (C16)."""

from __future__ import annotations

from shared import names

from ...context import Context, Payload
from ..tariff_cost import catalogue
from ..tariff_cost.pricing import with_tariff_text
from .id_token_info import lookup


async def handle(ctx: Context, request: Payload) -> Payload:
    token = request["idToken"]
    verdict = await lookup(ctx.db, token, ctx.now, ctx.settings)
    await ctx.emit(
        names.EVENT_AUTHORIZED,
        idToken=token["idToken"],
        type=token["type"],
        status=verdict.info["status"],
        masterPass=verdict.master_pass,
    )
    info = verdict.info
    if info["status"] == "Accepted" and "personalMessage" not in info:
        known = await catalogue.load(ctx.db, ctx.settings.tariff_cache_seconds)
        info = with_tariff_text(info, await catalogue.for_station(ctx.db, known, ctx.station))
    return {"idTokenInfo": info}
