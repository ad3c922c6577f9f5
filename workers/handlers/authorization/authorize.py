"""Authorize (C01): is this idToken allowed to charge? Also the Master Pass check (C16)."""

from __future__ import annotations

from shared import names

from ...context import Context, Payload
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
    return {"idTokenInfo": verdict.info}
