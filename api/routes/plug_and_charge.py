"""/api/v1/stations/{id}/contract-requests and /certificate-checks: what a station asked for
Plug & Charge, so an operator can see why a car got no contract certificate or was refused.

Both are written by workers only (``store/contract_requests.py``, ``store/certificate_checks.py``),
one document per station message; the API only reads them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.events import iso
from store import certificate_checks, contract_requests

from ..errors import json_response, paging
from ..keys import DB
from .stations import require_registered, station_id

CONTRACT_FIELDS = (
    "action",
    "iso15118SchemaVersion",
    "status",
    "reasonCode",
    "error",
    "exiRequestSha256",
    "exiRequestChars",
    "exiResponseChars",
    "ms",
)
CHECK_FIELDS = (
    "action",
    "idToken",
    "serialNumber",
    "certificateStatus",
    "status",
    "reasonCode",
    "responders",
    "detail",
)


def _view(doc: dict[str, Any], fields: tuple[str, ...], at: str) -> dict[str, Any]:
    return {
        "stationId": doc["station"],
        "messageId": doc["_id"].split("/", 1)[1],
        **{name: doc.get(name) for name in fields},
        "at": iso(doc[at]),
    }


async def list_contract_requests(request: web.Request) -> web.Response:
    station = station_id(request)
    limit, skip = paging(request)
    await require_registered(request, station)
    docs = await contract_requests.for_station(request.app[DB], station, limit, skip)
    return json_response(
        {"contractRequests": [_view(d, CONTRACT_FIELDS, "createdAt") for d in docs]}
    )


async def list_certificate_checks(request: web.Request) -> web.Response:
    station = station_id(request)
    limit, skip = paging(request)
    await require_registered(request, station)
    docs = await certificate_checks.for_station(request.app[DB], station, limit, skip)
    return json_response({"certificateChecks": [_view(d, CHECK_FIELDS, "at") for d in docs]})


ROUTES = [
    web.get("/api/v1/stations/{id}/contract-requests", list_contract_requests),
    web.get("/api/v1/stations/{id}/certificate-checks", list_certificate_checks),
]
