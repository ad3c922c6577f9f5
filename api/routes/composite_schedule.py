"""GET /api/v1/stations/{id}/composite-schedule: what the station will draw (K08
GetCompositeSchedule), asked of the station and passed through: only it knows its local
limits and the profiles it really applies."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from ..errors import ApiError
from .commands import record_and_send, result_response
from .reservations import MAX_ID
from .stations import require_registered, station_id

UNITS = ("A", "W")
_DIGITS = re.compile(r"\d{1,10}")


def _int(request: web.Request, name: str, low: int) -> int:
    text = request.query.get(name, "")
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= MAX_ID:
        raise ApiError(422, f"{name} must be an integer from {low} to {MAX_ID}", text[:40])
    return int(text)


async def composite_schedule(request: web.Request) -> web.Response:
    station = station_id(request)
    payload: dict[str, Any] = {
        "evseId": _int(request, "evseId", 0),
        "duration": _int(request, "duration", 1),
    }
    unit = request.query.get("unit")
    if unit is not None:
        if unit not in UNITS:
            raise ApiError(422, "unit must be A or W", unit[:40])
        payload["chargingRateUnit"] = unit
    await require_registered(request, station)
    result = await record_and_send(request, station, "GetCompositeSchedule", payload)
    return result_response(result)


ROUTES = [web.get("/api/v1/stations/{id}/composite-schedule", composite_schedule)]
