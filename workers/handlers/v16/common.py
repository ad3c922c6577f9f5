"""What the 1.6 drivers share: the type of an idTag and the next sequence number of a
transaction's events."""

from __future__ import annotations

from store import id_tokens, ocpp16, transactions

from ...context import Context, Payload
from . import translate


async def id_tag_type(ctx: Context, id_tag: str) -> str:
    """The type of the id token the CSMS holds under ``id_tag`` (``translate.id_tag_type``)."""
    doc = await id_tokens.get(ctx.db, id_tag)
    stored = doc.get("type") if doc else None
    return translate.id_tag_type(stored, ctx.settings.ocpp16_id_tag_type)


async def next_seq_no(ctx: Context, transaction_id: str, request: Payload) -> int:
    """After the transaction's last event, kept per message so a redelivery reuses it."""

    async def after_last() -> int:
        doc = await transactions.get(ctx.db, ctx.station, transaction_id)
        return int((doc or {}).get("lastSeqNo", 0)) + 1

    return await ocpp16.once(ctx.db, ctx.station, ctx.message_id, request, after_last)
