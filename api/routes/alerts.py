"""/api/v1/alerts: what the stations' monitors raised (NotifyEvent with a trigger of
Alerting, active until cleared, or Delta, a notice stored inactive; N07), and an operator's
acknowledgement of each.

Workers raise and clear alerts (``store/alerts.py``); the API only reads them and writes
acknowledgements to their own collection, so no alert document ever has two writers. An
alert is acknowledged once: the first operator's acknowledgement stays and a second one
answers 409 with it, so nobody overwrites who took responsibility. Acknowledging does not
clear: only the station's ``cleared`` event ends an alert.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from shared import names
from shared.events import event_id, iso, utc_now
from shared.ocppj import STATION_ID_PATTERN
from store import alerts

from ..auth import IDENTITY
from ..errors import ApiError, json_response, optional_bool, paging, read_json
from ..keys import DB, EVENTS

MAX_NOTE = 500
ALERT_ID = re.compile(r"[0-9a-f-]{36}")


def _time(value: Any) -> str | None:
    return iso(value) if value is not None else None


def _ack_view(ack: dict[str, Any] | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {"by": ack["keyName"], "keyId": ack["keyId"], "at": iso(ack["at"]), "note": ack["note"]}


def view(doc: dict[str, Any], ack: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "alertId": doc["_id"],
        "stationId": doc["station"],
        "eventId": doc["eventId"],
        "component": doc["component"],
        "variable": doc["variable"],
        "variableMonitoringId": doc.get("variableMonitoringId"),
        "actualValue": doc["actualValue"],
        "trigger": doc["trigger"],
        "severity": doc.get("severity"),
        "techCode": doc.get("techCode"),
        "techInfo": doc.get("techInfo"),
        "eventNotificationType": doc["eventNotificationType"],
        "raisedAt": iso(doc["raisedAt"]),
        "active": doc["active"],
        "clearedAt": _time(doc.get("clearedAt")),
        "acknowledged": ack is not None,
        "acknowledgement": _ack_view(ack),
    }


def _alert_id(request: web.Request) -> str:
    raw = request.match_info["alertId"]
    if not ALERT_ID.fullmatch(raw):
        raise ApiError(404, "Unknown alert", raw[:40])
    return raw


async def list_alerts(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    station = request.query.get("stationId")
    if station is not None and not STATION_ID_PATTERN.fullmatch(station):
        raise ApiError(400, "Invalid stationId")
    active = optional_bool(request, "active")
    acknowledged = optional_bool(request, "acknowledged")
    docs = await alerts.find(request.app[DB], station, active, acknowledged, limit, skip)
    return json_response({"alerts": [view(doc, doc["ack"]) for doc in docs]})


async def get_alert(request: web.Request) -> web.Response:
    alert = _alert_id(request)
    db = request.app[DB]
    doc = await alerts.get(db, alert)
    if doc is None:
        raise ApiError(404, "Unknown alert", alert)
    return json_response(view(doc, await alerts.ack_of(db, alert)))


async def acknowledge(request: web.Request) -> web.Response:
    alert = _alert_id(request)
    body = await read_json(request)
    note = body.get("note")
    if set(body) - {"note"} or not (
        note is None or (isinstance(note, str) and len(note) <= MAX_NOTE)
    ):
        raise ApiError(422, f"The body is {{'note': a string of at most {MAX_NOTE} characters}}")
    doc, ack = await record_ack(request, alert, note)
    return json_response(view(doc, ack))


async def record_ack(
    request: web.Request, alert: str, note: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The caller's acknowledgement of an alert, stored once and published: the API's
    route and the console's button both come here. 404 for an unknown alert, 409 with
    the first acknowledgement when there was one."""
    db = request.app[DB]
    doc = await alerts.get(db, alert)
    if doc is None:
        raise ApiError(404, "Unknown alert", alert)
    identity = request[IDENTITY]
    ack = {
        "_id": alert,
        "station": doc["station"],
        "keyId": identity.key_id,
        "keyName": identity.name,
        "note": note,
        "at": utc_now(),
    }
    if not await alerts.acknowledge(db, ack):
        first = await alerts.ack_of(db, alert)
        raise ApiError(409, "The alert was acknowledged before", _ack_view(first))
    event = names.EVENT_ALERT_ACKNOWLEDGED
    await request.app[EVENTS].publish(
        event,
        doc["station"],
        event_id=event_id(event, doc["station"], alert),
        alertId=alert,
        by=identity.name,
        keyId=identity.key_id,
        note=note,
        severity=doc.get("severity"),
    )
    return doc, ack


ROUTES = [
    web.get("/api/v1/alerts", list_alerts),
    web.get("/api/v1/alerts/{alertId}", get_alert),
    web.post("/api/v1/alerts/{alertId}/ack", acknowledge),
]
