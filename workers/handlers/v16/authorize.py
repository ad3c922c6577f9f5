"""Authorize (1.6): the 2.0.1 verdict (C01) on the idTag, in 1.6 words."""

from __future__ import annotations

from shared.ocpp16_commands import id_tag_info

from ...context import Context, Payload
from ..authorization import authorize
from . import translate
from .common import id_tag_type


async def handle(ctx: Context, request: Payload) -> Payload:
    id_tag = request["idTag"]
    token = translate.id_token(id_tag, await id_tag_type(ctx, id_tag))
    answer = await authorize.handle(ctx, {"idToken": token})
    return {"idTagInfo": id_tag_info(answer["idTokenInfo"])}
