"""/api/v1/stations/{id}/ocpp/{Action} and /api/v1/commands: drive stations.

The API is one more bus client: it records the command as pending, sends it with
``shared.commands.CommandClient`` and, unless ``?wait=false``, answers with the station's
response. The workers record the final outcome from the bus, whoever sent the command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from shared import commands, names
from shared.actions import command_actions
from shared.commands import CommandClient
from shared.envelope import CommandResult
from shared.events import event_id
from shared.schemas import SchemaViolation, validate
from shared.storable import first_unstorable
from store import commands as command_store
from store import presence, transactions

from .. import views
from ..errors import ApiError, json_response, paging, read_json
from ..keys import COMMANDS, DB, EVENTS, SETTINGS
from .stations import require_registered, station_id

MAX_TIMEOUT = 600.0
REMOTE_STARTS = ("RequestStartTransaction", "RemoteStartTransaction")  # 2.0.1, 1.6

STATUS_HTTP = {
    commands.ANSWERED: 200,
    commands.CALLERROR: 502,
    commands.INVALID_RESPONSE: 502,
    commands.TIMEOUT: 504,
    commands.OFFLINE: 409,
    commands.DISCONNECTED: 409,
    commands.BUSY: 429,
    commands.OTHER_VERSION: 409,
}

ERRORS = {
    commands.CALLERROR: "Station answered with a CALLERROR",
    commands.INVALID_RESPONSE: "Station's answer violates the response schema of its OCPP version",
    commands.TIMEOUT: "Station did not answer in time",
    commands.OFFLINE: "Station is not connected",
    commands.DISCONNECTED: "Station disconnected before answering",
    commands.BUSY: "Too many commands queued for this station",
    commands.OTHER_VERSION: "Not possible in the OCPP version the station speaks; nothing was sent",
}


def result_response(result: CommandResult) -> web.Response:
    status = STATUS_HTTP[result.status]
    if status == 200:
        return json_response({"commandId": result.command_id, "response": result.response})
    return json_response(
        {
            "error": ERRORS[result.status],
            "detail": {
                "commandId": result.command_id,
                "status": result.status,
                "code": result.error_code,
                "description": result.error_description,
                "details": result.error_details,
                "response": result.response,
            },
        },
        status,
    )


async def record_and_send(
    request: web.Request, station: str, action: str, payload: dict[str, Any]
) -> CommandResult:
    """For routes that act on the answer: record the command as pending, send it and wait
    (the API's command timeout) for its outcome."""
    client: CommandClient = request.app[COMMANDS]
    command_id = commands.new_command_id()
    await command_store.record_pending(request.app[DB], command_id, station, action, payload, "api")
    result = await client.send(
        station,
        action,
        payload,
        timeout=request.app[SETTINGS].command_timeout,
        command_id=command_id,
    )
    assert result is not None
    return result


async def station_version(request: web.Request, station: str) -> str:
    """The OCPP version of the station's connection (2.0.1 while it has none: a command to
    it then ends ``offline`` anyway)."""
    connection = (await presence.get(request.app[DB], station)).get("connection") or {}
    return str(connection.get("ocppVersion") or names.OCPP201)


async def send(
    request: web.Request,
    station: str,
    action: str,
    payload: dict[str, Any],
    version: str = names.OCPP201,
) -> web.Response:
    """Record the command as pending, send it, and answer with its outcome."""
    db = request.app[DB]
    await require_registered(request, station)
    try:
        timeout = float(request.query.get("timeout", request.app[SETTINGS].command_timeout))
    except ValueError:
        timeout = float("nan")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ApiError(
            400, f"timeout must be a number of seconds, above 0 and at most {MAX_TIMEOUT}"
        )
    wait = request.query.get("wait", "true") != "false"
    client: CommandClient = request.app[COMMANDS]
    command_id = commands.new_command_id()
    await command_store.record_pending(db, command_id, station, action, payload, "api")
    result = await client.send(
        station,
        action,
        payload,
        timeout=timeout,
        wait=wait,
        command_id=command_id,
        version=version,
    )
    if result is None:
        return json_response({"commandId": command_id, "status": commands.PENDING}, 202)
    return result_response(result)


async def post_command(request: web.Request) -> web.Response:
    """In the OCPP version the station's connection speaks: the action must be one that
    version has, and the payload is checked against that version's schema."""
    station = station_id(request)
    action = request.match_info["action"]
    version = await station_version(request, station)
    allowed = command_actions(version)
    if action not in allowed:
        raise ApiError(
            404,
            f"Not an action the CSMS sends in {version}",
            {"ocppVersion": version, "supported": sorted(allowed)},
        )
    payload = await read_json(request)
    check_request(action, payload, version)
    return await send(request, station, action, payload, version)


async def get_command(request: web.Request) -> web.Response:
    db = request.app[DB]
    doc = await command_store.get(db, request.match_info["commandId"])
    if doc is None:
        raise ApiError(404, "Unknown command", request.match_info["commandId"])
    if doc["action"] in REMOTE_STARTS and not doc.get("transactionId"):
        started = await transactions.find_by_command(db, doc["_id"])
        if started is not None:
            doc["transactionId"] = started["transactionId"]
    return json_response(views.command(doc))


async def list_commands(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    docs = await command_store.list_for(
        request.app[DB], request.query.get("stationId"), limit, skip
    )
    return json_response({"commands": [views.command(d) for d in docs]})


ROUTES = [
    web.post("/api/v1/stations/{id}/ocpp/{action}", post_command),
    web.get("/api/v1/commands", list_commands),
    web.get("/api/v1/commands/{commandId}", get_command),
]


def check_request(action: str, payload: dict[str, Any], version: str = names.OCPP201) -> None:
    """422 unless ``payload`` is a valid ``action`` request that the store can hold: the
    command is recorded with its request, so what the store cannot hold is refused here,
    before anything is sent, instead of failing after the station got it."""
    try:
        validate(action, "Request", payload, version)
    except SchemaViolation as exc:
        raise ApiError(
            422,
            f"Invalid {action}Request",
            {"code": exc.code, "message": exc.description, "path": exc.path},
        ) from None
    unstorable = first_unstorable(payload)
    if unstorable is not None:
        raise ApiError(
            422,
            f"Invalid {action}Request",
            {"message": unstorable.reason, "path": unstorable.path},
        )


REPORT_POLL = 0.1
"""Seconds between reads of the report parts a Get... command asked for."""


async def complete_report(
    parts_so_far: Callable[[], Awaitable[list[dict[str, Any]]]], within: float
) -> list[dict[str, Any]] | None:
    """The parts of a report a station sends after a Get... command (ReportChargingProfiles,
    NotifyDisplayMessages, NotifyMonitoringReport), once the last one (``tbc`` false) is
    stored; None if it does not come ``within`` seconds. The last part means all are there:
    a station sends a part only after the CSMS answered the one before, which a worker does
    once it stored it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        parts = await parts_so_far()
        if any(not part["tbc"] for part in parts):
            return parts
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(REPORT_POLL)


async def publish_answer(
    request: web.Request, event: str, station: str, command_id: str, **fields: Any
) -> None:
    """An event about what a station answered to one command: one event id per command, so
    an integration can tell a repeat of it from a new one."""
    await request.app[EVENTS].publish(
        event, station, event_id=event_id(event, station, command_id), **fields
    )
