"""ReservationStatusUpdate (H04): the station expired or removed a reservation.

Stored once as the reservation's status fact (``store/reservations.py``); the first report
stays, so a later one cannot move the reservation to another final state. The event is
published every time the message is handled, under one id per reservation and status.
"""

from __future__ import annotations

from shared import names
from store import reservations

from ...context import Context, Payload

EVENTS = {
    reservations.EXPIRED: names.EVENT_RESERVATION_EXPIRED,
    reservations.REMOVED: names.EVENT_RESERVATION_REMOVED,
}


async def handle(ctx: Context, request: Payload) -> Payload:
    reservation_id: int = request["reservationId"]
    status: str = request["reservationUpdateStatus"]
    await reservations.add_fact(
        ctx.db,
        ctx.station,
        reservation_id,
        reservations.FACT_STATUS,
        {"status": status, "at": ctx.now, "messageId": ctx.message_id},
    )
    await ctx.emit(EVENTS[status], key=f"{reservation_id}/{status}", reservationId=reservation_id)
    return {}
