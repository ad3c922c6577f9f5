"""Authorize (1.6): the 2.0.1 verdict (C01) on the idTag, in 1.6 words."""

from __future__ import annotations

from shared.ocpp16_commands import id_tag_info

from ...context import Context, Payload
from ..authorization import authorize
from . import translate
from .common import ID_TAG_TYPE


async def handle(ctx: Context, request: Payload) -> Payload:
    answer = await authorize.handle(
        ctx, {"idToken": translate.id_token(request["idTag"], ID_TAG_TYPE)}
    )
    return {"idTagInfo": id_tag_info(answer["idTokenInfo"])}
