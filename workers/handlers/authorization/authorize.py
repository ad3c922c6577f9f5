"""Authorize (C01): is this idToken allowed to charge?"""

from __future__ import annotations

from shared import names

from ...context import Context, Payload
from .id_token_info import lookup


async def handle(ctx: Context, request: Payload) -> Payload:
    token = request["idToken"]
    info = await lookup(ctx.db, token, ctx.now)
    await ctx.emit(
        names.EVENT_AUTHORIZED, idToken=token["idToken"], type=token["type"], status=info["status"]
    )
    return {"idTokenInfo": info}
