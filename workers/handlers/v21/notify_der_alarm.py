"""NotifyDERAlarm: a DER (distributed energy resource) alarm started or ended.

Kept and published (``station.message``); this CSMS does no more with it yet, and the
answer carries nothing."""

from __future__ import annotations

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request)
    return {}
