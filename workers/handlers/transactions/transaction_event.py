"""TransactionEvent (E01-E15): store every event once, keep a per-transaction summary, and
answer with idTokenInfo whenever an idToken is presented (the same verdict as Authorize).

C16: an idToken of the Master Pass group (``MASTER_PASS_GROUP_ID``) in an Updated or Ended
event gets its own verdict whoever started the transaction, and is kept as the
transaction's ``masterPassIdToken``, not as its ``idToken``.

A station resends an event whose answer it did not get; the event's ``_id`` carries
transactionId + seqNo, so the resend is answered again but counted once. Its domain event
is published every time, under one ``eventId`` (transactionId + seqNo): a redelivery after
a worker died between store and publish must publish what that worker may not have.
"""

from __future__ import annotations

from typing import Any

from shared import names, timestamps
from shared.tariffs import running_cost_message
from store import commands, meter_values, transactions

from ...context import Context, Payload
from ..authorization.id_token_info import lookup
from ..meter_values.sampling import energy_register_wh, to_docs
from ..reservation.used import record_use
from ..tariff_cost import cost_updates
from ..tariff_cost.pricing import as_number, ended_fields, price, with_tariff_text

EVENT_NAMES = {
    "Started": names.EVENT_TRANSACTION_STARTED,
    "Updated": names.EVENT_TRANSACTION_UPDATED,
    "Ended": names.EVENT_TRANSACTION_ENDED,
}


def _summary_fields(request: Payload, master_pass: bool) -> dict[str, Any]:
    info = request["transactionInfo"]
    fields: dict[str, Any] = {}
    if "chargingState" in info:
        fields["chargingState"] = info["chargingState"]
    if "remoteStartId" in info:
        fields["remoteStartId"] = info["remoteStartId"]
    if "evse" in request:
        fields["evseId"] = request["evse"]["id"]
        if "connectorId" in request["evse"]:
            fields["connectorId"] = request["evse"]["connectorId"]
    if "idToken" in request:
        # C16: a Master Pass stopping someone's transaction does not become its driver.
        stopping = master_pass and request["eventType"] != "Started"
        fields["masterPassIdToken" if stopping else "idToken"] = request["idToken"]
    if "reservationId" in request:
        fields["reservationId"] = request["reservationId"]
    if request["eventType"] == "Ended":
        fields["stoppedReason"] = info.get("stoppedReason", "Local")
    return fields


async def _link_remote_start(ctx: Context, transaction_id: str, remote_start_id: int) -> None:
    """F01/F02: the transaction a RequestStartTransaction command started. Written on the
    transaction only: the command's document belongs to the command's own writers."""
    command = await commands.find_remote_start(ctx.db, ctx.station, remote_start_id)
    if command is None:
        return
    await transactions.set_fields(
        ctx.db, ctx.station, transaction_id, {"commandId": command["_id"]}
    )


async def handle(ctx: Context, request: Payload) -> Payload:
    info = request["transactionInfo"]
    transaction_id: str = info["transactionId"]
    seq_no: int = request["seqNo"]
    timestamp = timestamps.parse(request["timestamp"])
    samples = request.get("meterValue", [])
    verdict = None
    if "idToken" in request:
        verdict = await lookup(ctx.db, request["idToken"], ctx.now, ctx.settings)
    master_pass = verdict is not None and verdict.master_pass

    await transactions.add_event(
        ctx.db,
        ctx.station,
        transaction_id,
        seq_no,
        {
            "eventType": request["eventType"],
            "timestamp": timestamp,
            "triggerReason": request["triggerReason"],
            "receivedAt": ctx.now,
            "request": request,
        },
    )
    if samples:
        await meter_values.add(
            ctx.db,
            to_docs(
                samples,
                {
                    "station": ctx.station,
                    "transactionId": transaction_id,
                    "evseId": request.get("evse", {}).get("id"),
                    "source": "TransactionEvent",
                },
                f"{ctx.station}/{transaction_id}/{seq_no}",
            ),
        )
    energy_wh = energy_register_wh(samples)
    priced = await price(ctx, request, timestamp, energy_wh)
    await transactions.apply_summary(
        ctx.db,
        ctx.station,
        transaction_id,
        set_fields=_summary_fields(request, master_pass)
        | (priced.summary_fields if priced else {})
        | {"ocppVersion": ctx.ocpp_version},
        timestamp=timestamp,
        seq_no=seq_no,
        ended=request["eventType"] == "Ended",
        energy_wh=energy_wh,
    )

    if "remoteStartId" in info:
        await _link_remote_start(ctx, transaction_id, info["remoteStartId"])
    if "reservationId" in request:
        await record_use(ctx, request["reservationId"], transaction_id)

    response: Payload = {}
    if verdict is not None:
        response["idTokenInfo"] = with_tariff_text(verdict.info, priced.tariff if priced else None)
    cost = priced.cost if priced is not None and priced.sends_costs else None
    if cost is not None and request["eventType"] == "Ended":
        response["totalCost"] = as_number(cost)
    elif cost is not None and request["eventType"] == "Updated":
        assert priced is not None and priced.tariff is not None
        # I06.FR.02 (errata 2025-01): the answer shows the driver the cost so far.
        response["updatedPersonalMessage"] = running_cost_message(cost, priced.tariff.currency)
        cost_updates.schedule(ctx, transaction_id, cost)
    ended_cost = ended_fields(priced) if request["eventType"] == "Ended" else {}
    await ctx.emit(
        EVENT_NAMES[request["eventType"]],
        key=f"{transaction_id}/{seq_no}",
        transactionId=transaction_id,
        seqNo=seq_no,
        triggerReason=request["triggerReason"],
        evse=request.get("evse"),
        idToken=request.get("idToken"),
        masterPass=master_pass,
        meterValue=samples or None,
        timestamp=request["timestamp"],
        **ended_cost,
    )
    return response
