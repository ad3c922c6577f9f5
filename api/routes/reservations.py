"""/api/v1/stations/{id}/reservations and /api/v1/reservations: reserve an EVSE (H01-H02).

The API is the only writer of a reservation's document (``store/reservations.py``): it
stores the reservation as Requested before sending ReserveNow, then the station's answer,
and Cancelled once the station accepted CancelReservation. What the station reports later
(ReservationStatusUpdate, a TransactionEvent naming it) workers store beside it; each answer
shows the state computed from both.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from shared import commands, names, timestamps
from shared.events import event_id, iso, utc_now
from shared.schemas import SchemaViolation, validate
from store import reservations

from ..errors import ApiError, json_response, optional_bool, paging, read_json
from ..keys import DB, EVENTS
from .commands import record_and_send, result_response
from .stations import require_registered, station_id

FIELDS = ("idToken", "groupIdToken", "evseId", "connectorType", "expiresAt")
MAX_ID = 2**31 - 1  # OCPP integers are 32-bit
ID_ATTEMPTS = 5
NOT_SENT = (commands.OFFLINE, commands.BUSY, commands.OTHER_VERSION)  # nothing reached it


def view(doc: dict[str, Any], found: dict[str, Any], now: Any) -> dict[str, Any]:
    state, since = reservations.state(doc, found, now)
    used = found.get(reservations.FACT_TRANSACTION)
    return {
        "stationId": doc["station"],
        "id": doc["reservationId"],
        "status": state,
        "since": iso(since) if since else None,
        "active": state in reservations.ACTIVE,
        "answer": doc.get("answer"),
        "idToken": doc["idToken"],
        "groupIdToken": doc.get("groupIdToken"),
        "evseId": doc.get("evseId"),
        "connectorType": doc.get("connectorType"),
        "expiresAt": iso(doc["expiresAt"]),
        "createdAt": iso(doc["createdAt"]),
        "commandId": doc.get("commandId"),
        "cancellation": doc.get("cancellation"),
        "transactionId": used["transactionId"] if used else None,
    }


async def shown(request: web.Request, doc: dict[str, Any]) -> dict[str, Any]:
    """A stored reservation as every route (and the console) shows it."""
    found = await reservations.facts(request.app[DB], doc["station"], doc["reservationId"])
    return view(doc, found, utc_now())


def _payload(body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The ReserveNow payload (without its id) and the expiry, or 422."""
    unknown = set(body) - set(FIELDS)
    if unknown:
        raise ApiError(422, "Unknown fields", sorted(unknown))
    try:
        expires = timestamps.parse(str(body["expiresAt"]))
    except (KeyError, timestamps.NotADateTime):
        raise ApiError(
            422, "expiresAt must be an RFC 3339 date-time with a time zone (e.g. Z)"
        ) from None
    if expires <= utc_now():
        raise ApiError(422, "expiresAt must be in the future")
    payload = {k: body[k] for k in FIELDS[:-1] if body.get(k) is not None}
    payload["expiryDateTime"] = iso(expires)
    try:
        validate("ReserveNow", "Request", {"id": 1, **payload})
    except SchemaViolation as exc:
        raise ApiError(
            422, "Invalid reservation", {"message": exc.description, "path": exc.path}
        ) from None
    return payload, expires


async def _publish(request: web.Request, event: str, doc: dict[str, Any], **fields: Any) -> None:
    # One id per reservation and state, as the workers' reservation events have.
    await request.app[EVENTS].publish(
        event,
        doc["station"],
        event_id=event_id(event, doc["station"], doc["reservationId"]),
        reservationId=doc["reservationId"],
        **fields,
    )


async def create(request: web.Request) -> web.Response:
    station = station_id(request)
    payload, expires = _payload(await read_json(request))
    await require_registered(request, station)
    db = request.app[DB]
    fields = {
        "idToken": payload["idToken"],
        "groupIdToken": payload.get("groupIdToken"),
        "evseId": payload.get("evseId"),
        "connectorType": payload.get("connectorType"),
        "expiresAt": expires,
        "createdAt": utc_now(),
    }
    for _ in range(ID_ATTEMPTS):
        reservation_id = secrets.randbelow(MAX_ID) + 1
        if await reservations.create(db, station, reservation_id, fields):
            break
    else:
        raise ApiError(409, "Could not allocate a reservation id; try again")
    result = await record_and_send(
        request, station, "ReserveNow", {"id": reservation_id, **payload}
    )
    if result.status in NOT_SENT:
        await reservations.delete(db, station, reservation_id)
        return result_response(result)
    if result.status != commands.ANSWERED:
        # The station may hold it or not: it stays Requested until it expires or is cancelled.
        await reservations.set_fields(db, station, reservation_id, {"commandId": result.command_id})
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    status = reservations.ACCEPTED if answer == "Accepted" else reservations.REJECTED
    await reservations.set_fields(
        db,
        station,
        reservation_id,
        {
            "status": status,
            "answer": answer,
            "answeredAt": utc_now(),
            "commandId": result.command_id,
        },
    )
    doc = await reservations.get(db, station, reservation_id)
    assert doc is not None
    event = (
        names.EVENT_RESERVATION_ACCEPTED
        if status == reservations.ACCEPTED
        else names.EVENT_RESERVATION_REJECTED
    )
    await _publish(request, event, doc, answer=answer, expiresAt=iso(expires))
    return json_response(await shown(request, doc), 201)


async def _one(request: web.Request) -> dict[str, Any]:
    station = station_id(request)
    raw = request.match_info["reservationId"]
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(400, "reservationId is a positive 32-bit integer")
    doc = await reservations.get(request.app[DB], station, int(raw))
    if doc is None:
        raise ApiError(404, "Unknown reservation", f"{station}/{raw}")
    return doc


async def get_one(request: web.Request) -> web.Response:
    return json_response(await shown(request, await _one(request)))


async def cancel(request: web.Request) -> web.Response:
    doc = await _one(request)
    current = await shown(request, doc)
    if not current["active"]:
        raise ApiError(409, f"Reservation is {current['status']}", current)
    station, reservation_id = doc["station"], doc["reservationId"]
    result = await record_and_send(
        request, station, "CancelReservation", {"reservationId": reservation_id}
    )
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    now = utc_now()
    cancellation = {"status": answer, "at": iso(now), "commandId": result.command_id}
    fields: dict[str, Any] = {"cancellation": cancellation}
    if answer == "Accepted":
        fields |= {"status": reservations.CANCELLED, "cancelledAt": now}
    await reservations.set_fields(request.app[DB], station, reservation_id, fields)
    doc = await _one(request)
    if answer != "Accepted":
        raise ApiError(409, "Station refused to cancel", await shown(request, doc))
    await _publish(request, names.EVENT_RESERVATION_CANCELLED, doc)
    return json_response(await shown(request, doc))


async def list_reservations(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    active = optional_bool(request, "active")
    docs = await reservations.list_filtered(
        request.app[DB], request.query.get("stationId"), active, limit, skip
    )
    views = [await shown(request, d) for d in docs]
    if active is not None:
        views = [v for v in views if v["active"] == active]
    return json_response({"reservations": views})


ROUTES = [
    web.post("/api/v1/stations/{id}/reservations", create),
    web.get("/api/v1/stations/{id}/reservations/{reservationId}", get_one),
    web.delete("/api/v1/stations/{id}/reservations/{reservationId}", cancel),
    web.get("/api/v1/reservations", list_reservations),
]
