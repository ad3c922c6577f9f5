"""/api/v1/stations/{id}/messages and /event-streams: what OCPP 2.1 stations sent beyond
2.0.1, kept by the workers (``store/ocpp21.py``). ``messages`` has every such message as
sent (DER alarms, settlements, battery swaps, priority charging, VAT number checks...) and
every CALLRESULTERROR (the station could not process one of our answers); ``event-streams``
the periodic event streams a station opened, with their latest data."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.events import iso
from store import ocpp21

from ..errors import ApiError, json_response, paging
from ..keys import DB
from .stations import require_registered, station_id

MAX_STREAM_PARTS = 100


def message_view(doc: dict[str, Any]) -> dict[str, Any]:
    extra = {k: v for k, v in doc.items() if k not in {"station", "receivedAt"}}
    return {**extra, "receivedAt": iso(doc["receivedAt"])}


def stream_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "streamId": doc["streamId"],
        "variableMonitoringId": doc["variableMonitoringId"],
        "params": doc["params"],
        "open": doc["open"],
        "openedAt": iso(doc["openedAt"]),
        "closedAt": iso(doc["closedAt"]) if doc.get("closedAt") else None,
    }


def part_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "basetime": iso(doc["basetime"]),
        "pending": doc["pending"],
        "data": doc["data"],
        "known": doc["known"],
        "receivedAt": iso(doc["receivedAt"]),
    }


async def list_messages(request: web.Request) -> web.Response:
    station = station_id(request)
    limit, skip = paging(request)
    await require_registered(request, station)
    docs = await ocpp21.messages(request.app[DB], station, limit, skip)
    return json_response({"messages": [message_view(d) for d in docs]})


async def list_streams(request: web.Request) -> web.Response:
    station = station_id(request)
    await require_registered(request, station)
    docs = await ocpp21.streams(request.app[DB], station)
    return json_response({"streams": [stream_view(d) for d in docs]})


async def get_stream(request: web.Request) -> web.Response:
    """The stream and its newest parts (``limit``, at most 100); a stream the CSMS never saw
    opened still shows the parts it sent."""
    station = station_id(request)
    await require_registered(request, station)
    try:
        stream = int(request.match_info["streamId"])
    except ValueError:
        raise ApiError(400, "streamId must be an integer") from None
    limit, _ = paging(request)
    db = request.app[DB]
    doc = await ocpp21.stream(db, station, stream)
    parts = await ocpp21.stream_data(db, station, stream, min(limit, MAX_STREAM_PARTS))
    if doc is None and not parts:
        raise ApiError(404, "Unknown event stream", stream)
    view = stream_view(doc) if doc is not None else {"streamId": stream, "open": None}
    return json_response({**view, "parts": [part_view(p) for p in parts]})


ROUTES = [
    web.get("/api/v1/stations/{id}/messages", list_messages),
    web.get("/api/v1/stations/{id}/event-streams", list_streams),
    web.get("/api/v1/stations/{id}/event-streams/{streamId}", get_stream),
]
