"""/api/v1/stations/{id}/monitors: set, list, clear and refresh a station's variable
monitors (N04 SetVariableMonitoring, N06 ClearVariableMonitoring, N02 GetMonitoringReport),
and its monitoring base and level (N03 SetMonitoringBase, N05 SetMonitoringLevel).

The API is the only writer of the stored view (``store/monitors.py``): it stores each
monitor the station accepted under the id the station gave it, forgets one once the
station answered ClearVariableMonitoring Accepted or NotFound, and ``refresh`` makes the
view what the station's NotifyMonitoringReport parts (stored by the workers) say.

A request without an answer (timeout, disconnected) changes nothing stored. Not covered
(as for charging profiles): a monitor cleared while a refresh waits comes back if the
report named it.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from shared import commands, names
from shared.events import iso, utc_now
from store import monitors

from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB, SETTINGS
from .commands import (
    check_request,
    complete_report,
    publish_answer,
    record_and_send,
    result_response,
)
from .reservations import MAX_ID
from .stations import require_registered, station_id

ACCEPTED = "Accepted"
NOT_FOUND = "NotFound"
EMPTY = "EmptyResultSet"
MAX_SEVERITY = 9  # 0 danger ... 9 debug
CUSTOM_REMOVED = ("FactoryDefault", "HardWiredOnly")  # bases that remove custom monitors


def _time(value: Any) -> str | None:
    return iso(value) if value is not None else None


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "stationId": doc["station"],
        "monitorId": doc["monitorId"],
        "component": doc["component"],
        "variable": doc["variable"],
        "type": doc["type"],
        "value": doc["value"],
        "severity": doc["severity"],
        "transaction": doc["transaction"],
        "source": doc["source"],
        "status": doc["status"],
        "commandId": doc.get("commandId"),
        "setAt": _time(doc.get("setAt")),
        "updatedAt": _time(doc.get("updatedAt")),
        "reportedAt": _time(doc.get("reportedAt")),
    }


def settings_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "monitoringBase": doc.get("monitoringBase"),
        "monitoringBaseSetAt": _time(doc.get("monitoringBaseSetAt")),
        "severity": doc.get("severity"),
        "severitySetAt": _time(doc.get("severitySetAt")),
    }


def _checked(action: str, body: dict[str, Any]) -> None:
    """422 unless ``body`` is a valid ``action`` request the store can hold."""
    check_request(action, body)
    # The schema says only "integer"; the text of every severity field says 0-9.
    severities = [("severity", body.get("severity"))] + [
        (f"setMonitoringData/{i}/severity", entry["severity"])
        for i, entry in enumerate(body.get("setMonitoringData", []))
    ]
    for path, severity in severities:
        if severity is not None and not 0 <= severity <= MAX_SEVERITY:
            raise ApiError(
                422, f"Invalid {action}Request", {"message": "severity is 0 to 9", "path": path}
            )


async def set_monitors(request: web.Request) -> web.Response:
    """SetVariableMonitoring as given; 200 with every result, accepted or not. The results
    are paired with the entries sent by position (the station answers one per entry)."""
    station = station_id(request)
    body = await read_json(request)
    _checked("SetVariableMonitoring", body)
    await require_registered(request, station)
    result = await record_and_send(request, station, "SetVariableMonitoring", body)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    sent, answers = body["setMonitoringData"], result.response["setMonitoringResult"]
    now = utc_now()
    docs = []
    for entry, answer in zip(sent, answers, strict=False):
        if answer["status"] != ACCEPTED or "id" not in answer:
            continue
        fields = {
            "source": monitors.SOURCE_API,
            "status": ACCEPTED,
            "commandId": result.command_id,
            "setAt": now,
            "updatedAt": now,
            "reportedAt": None,
        }
        docs.append(
            monitors.document(
                station, answer["id"], answer["component"], answer["variable"], entry, fields
            )
        )
    await monitors.put(request.app[DB], docs)
    for doc in docs:
        await publish_answer(
            request,
            names.EVENT_MONITOR_SET,
            station,
            f"{result.command_id}/{doc['monitorId']}",
            monitorId=doc["monitorId"],
            component=doc["component"],
            variable=doc["variable"],
            type=doc["type"],
            value=doc["value"],
            severity=doc["severity"],
            commandId=result.command_id,
        )
    return json_response(
        {
            "commandId": result.command_id,
            "setMonitoringResult": answers,
            "monitors": [view(d) for d in docs],
        }
    )


async def list_monitors(request: web.Request) -> web.Response:
    station = station_id(request)
    limit, skip = paging(request)
    await require_registered(request, station)
    db = request.app[DB]
    docs = await monitors.for_station(db, station, limit, skip)
    return json_response(
        {
            "stationId": station,
            **settings_view(await monitors.settings(db, station)),
            "monitors": [view(d) for d in docs],
        }
    )


def _monitor_id(request: web.Request) -> int:
    raw = request.match_info["monitorId"]
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise ApiError(400, "monitorId is a non-negative 32-bit integer")
    return int(raw)


async def clear(request: web.Request) -> web.Response:
    """ClearVariableMonitoring of one id, also one the CSMS does not hold; Accepted or
    NotFound make the view forget it, Rejected (a hard-wired monitor) keeps it."""
    station = station_id(request)
    monitor_id = _monitor_id(request)
    await require_registered(request, station)
    payload = {"id": [monitor_id]}
    result = await record_and_send(request, station, "ClearVariableMonitoring", payload)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answers = result.response["clearMonitoringResult"]
    mine = next((a for a in answers if a["id"] == monitor_id), answers[0])
    answer = mine["status"]
    forgotten = False
    if answer in (ACCEPTED, NOT_FOUND):
        forgotten = await monitors.delete(request.app[DB], station, monitor_id)
        await publish_answer(
            request,
            names.EVENT_MONITOR_CLEARED,
            station,
            result.command_id,
            monitorId=monitor_id,
            answer=answer,
            commandId=result.command_id,
        )
    return json_response(
        {
            "stationId": station,
            "monitorId": monitor_id,
            "answer": answer,
            "statusInfo": mine.get("statusInfo"),
            "forgotten": forgotten,
            "commandId": result.command_id,
        }
    )


async def _setting(request: web.Request, action: str, field: str) -> web.Response:
    """SetMonitoringBase or SetMonitoringLevel; the accepted value is stored per station."""
    station = station_id(request)
    body = await read_json(request)
    _checked(action, body)
    await require_registered(request, station)
    payload = {field: body[field]}
    result = await record_and_send(request, station, action, payload)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    db = request.app[DB]
    forgotten = 0
    if answer == ACCEPTED:
        await monitors.put_setting(db, station, field, body[field], utc_now())
        if field == "monitoringBase" and body[field] in CUSTOM_REMOVED:
            forgotten = await monitors.forget_custom(db, station)
    return json_response(
        {
            "stationId": station,
            field: body[field],
            "answer": answer,
            "statusInfo": result.response.get("statusInfo"),
            "forgottenMonitors": forgotten,
            "commandId": result.command_id,
        }
    )


async def set_base(request: web.Request) -> web.Response:
    return await _setting(request, "SetMonitoringBase", "monitoringBase")


async def set_level(request: web.Request) -> web.Response:
    return await _setting(request, "SetMonitoringLevel", "severity")


async def refresh(request: web.Request) -> web.Response:
    """GetMonitoringReport of every monitor, then the view is made what the report says."""
    station = station_id(request)
    await require_registered(request, station)
    db = request.app[DB]
    request_id = secrets.randbelow(MAX_ID) + 1
    asked_at = utc_now()
    payload = {"requestId": request_id}
    result = await record_and_send(request, station, "GetMonitoringReport", payload)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    if answer not in (ACCEPTED, EMPTY):
        raise ApiError(
            409,
            "The station refused GetMonitoringReport; nothing changed",
            {"commandId": result.command_id, "answer": answer},
        )
    parts: list[dict[str, Any]] = []
    if answer == ACCEPTED:
        found = await complete_report(
            lambda: monitors.report(db, station, request_id), request.app[SETTINGS].command_timeout
        )
        if found is None:
            raise ApiError(
                504,
                "The station's NotifyMonitoringReport did not complete in time; nothing changed",
                {"commandId": result.command_id, "requestId": request_id, "answer": answer},
            )
        parts = found
    removed, learnt = await monitors.replace_from_report(
        db, station, monitors.reported_monitors(parts), asked_at, utc_now()
    )
    docs = await monitors.for_station(db, station)
    return json_response(
        {
            "commandId": result.command_id,
            "requestId": request_id,
            "answer": answer,
            "parts": len(parts),
            "removed": removed,
            "learnt": learnt,
            "monitors": [view(d) for d in docs],
        }
    )


ROUTES = [
    web.post("/api/v1/stations/{id}/monitors", set_monitors),
    web.get("/api/v1/stations/{id}/monitors", list_monitors),
    web.post("/api/v1/stations/{id}/monitors/refresh", refresh),
    web.put("/api/v1/stations/{id}/monitors/base", set_base),
    web.put("/api/v1/stations/{id}/monitors/level", set_level),
    web.delete("/api/v1/stations/{id}/monitors/{monitorId}", clear),
]
