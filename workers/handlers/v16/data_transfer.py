"""DataTransfer (1.6): the same vendor hook as 2.0.1 (P01); 1.6 has no statusInfo."""

from __future__ import annotations

from ...context import Context, Payload
from ..data_transfer import data_transfer


async def handle(ctx: Context, request: Payload) -> Payload:
    answer = await data_transfer.handle(ctx, request)
    return {k: v for k, v in answer.items() if k != "statusInfo"}
