"""Provisioning views of a station: accepting a Pending station (B02), its device model,
report requests and customer-information parts."""

from __future__ import annotations

from aiohttp import web

from shared import commands, names
from shared.commands import CommandClient
from store import commands as command_store
from store import device_model, records, stations

from .. import views
from ..errors import json_response
from ..keys import COMMANDS, DB, SETTINGS
from .stations import require_registered, station_id


async def _existing(request: web.Request) -> str:
    station = station_id(request)
    await require_registered(request, station)
    return station


async def accept(request: web.Request) -> web.Response:
    """Accept a station held Pending: its next BootNotification is answered Accepted, and a
    connected station is asked for one at once with TriggerMessage(BootNotification)."""
    station = await _existing(request)
    db = request.app[DB]
    await stations.set_fields(db, station, {"bootPolicy": "Accepted"})
    client: CommandClient = request.app[COMMANDS]
    command_id = commands.new_command_id()
    payload = {"requestedMessage": "BootNotification"}
    await command_store.record_pending(db, command_id, station, "TriggerMessage", payload, "api")
    result = await client.send(
        station,
        "TriggerMessage",
        payload,
        wait=False,
        command_id=command_id,
        timeout=request.app[SETTINGS].command_timeout,
    )
    doc = await stations.with_state(db, station)
    assert doc is not None
    return json_response(
        {
            "station": views.station(doc),
            "trigger": {
                "commandId": command_id,
                "status": result.status if result else commands.PENDING,
            },
        }
    )


async def get_device_model(request: web.Request) -> web.Response:
    station = await _existing(request)
    docs = await device_model.for_station(request.app[DB], station)
    return json_response({"variables": docs})


async def get_reports(request: web.Request) -> web.Response:
    station = await _existing(request)
    docs = await device_model.reports_for(request.app[DB], station)
    return json_response({"reports": docs})


async def get_customer_information(request: web.Request) -> web.Response:
    station = await _existing(request)
    docs = await records.list_for_station(
        request.app[DB], names.CUSTOMER_INFORMATION, station, 1000
    )
    request_id = request.query.get("requestId")
    if request_id is not None:
        docs = [d for d in docs if str(d["requestId"]) == request_id]
    docs.sort(key=lambda d: (d["requestId"], d["seqNo"]))
    return json_response({"parts": docs})


ROUTES = [
    web.post("/api/v1/stations/{id}/accept", accept),
    web.get("/api/v1/stations/{id}/device-model", get_device_model),
    web.get("/api/v1/stations/{id}/reports", get_reports),
    web.get("/api/v1/stations/{id}/customer-information", get_customer_information),
]
