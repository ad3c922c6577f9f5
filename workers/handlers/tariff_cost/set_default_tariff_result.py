"""SetDefaultTariff answered (OCPP 2.1, I07): a station that accepted the tariff for the whole
station (``evseId`` 0, as ``workers/tariff_push.py`` and the API send it) computes its cost
itself, so pricing sends it neither CostUpdated nor ``totalCost`` from its next transaction
on (``pricing.py``); any other answer (Rejected, TooManyElements...) leaves the CSMS sending
them. Kept as the station's ``defaultTariff`` fact: the last answer wins."""

from __future__ import annotations

from shared import names
from store import station_state

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    if request.get("evseId") != 0:
        return  # one EVSE's tariff says nothing of the others
    await station_state.put(
        ctx.db,
        ctx.station,
        names.STATE_DEFAULT_TARIFF,
        {"status": response["status"], "tariffId": request["tariff"]["tariffId"]},
    )
