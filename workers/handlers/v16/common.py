"""What the 1.6 drivers share: the idTag type and the next sequence number of a
transaction's events."""

from __future__ import annotations

from store import ocpp16, transactions

from ...context import Context

ID_TAG_TYPE = "ISO14443"  # what a 1.6 idTag is in the 2.0.1 domain (RFID, as most are)


async def next_seq_no(ctx: Context, transaction_id: str) -> int:
    """After the transaction's last event, kept per message so a redelivery reuses it."""

    async def after_last() -> int:
        doc = await transactions.get(ctx.db, ctx.station, transaction_id)
        return int((doc or {}).get("lastSeqNo", 0)) + 1

    return await ocpp16.once(ctx.db, ctx.station, ctx.message_id, after_last)
