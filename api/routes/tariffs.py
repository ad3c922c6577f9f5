"""/api/v1/tariffs: prices and their text for drivers (block I).

PUT writes a tariff and claims its stations (``tariff_members``: a station has one tariff
of its own at most; 409 when another holds it); a station without one is charged under the
default tariff (``default: true``; setting it on one tariff takes it from the previous).
Workers read tariffs through a cache (TARIFF_CACHE_SECONDS), so a change applies to
transactions that start after it within that time; a running transaction keeps the prices
it started with. Connected OCPP 2.1 stations the tariff applies to are sent it
(``api/tariff_push.py``), as every 2.1 station is after its boot. Amounts are decimals: stored as
strings, never summed as binary floats.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared import tariffs as pricing
from shared.events import iso, utc_now
from shared.ocppj import STATION_ID_PATTERN
from store import stations, tariffs

from .. import tariff_push
from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB


def tariff_id(request: web.Request) -> str:
    tariff = request.match_info["tariffId"]
    if not pricing.TARIFF_ID_PATTERN.fullmatch(tariff):
        raise ApiError(400, "Invalid tariff id", "1 to 64 characters of a-z A-Z 0-9 . _ ~ -")
    return tariff


def definition(body: dict[str, Any]) -> dict[str, Any]:
    """A tariff's stored fields from a PUT body, or 422 naming what is wrong."""
    try:
        return pricing.parse(body, STATION_ID_PATTERN)
    except pricing.InvalidTariff as exc:
        raise ApiError(422, str(exc), exc.detail) from None


def view(doc: dict[str, Any]) -> dict[str, Any]:
    """Amounts as JSON numbers (their shortest text, e.g. 0.3): shown, never summed."""
    return {
        "tariffId": doc["_id"],
        "currency": doc["currency"],
        **{name: float(doc[name]) for name in pricing.AMOUNTS},
        "description": doc.get("description") or {},
        "stations": doc.get("stations") or [],
        "default": bool(doc.get("default")),
        "updatedAt": iso(doc["updatedAt"]) if doc.get("updatedAt") else None,
    }


async def put_tariff(request: web.Request) -> web.Response:
    tariff = tariff_id(request)
    fields = definition(await read_json(request))
    db = request.app[DB]
    unknown = [s for s in fields["stations"] if await stations.get(db, s) is None]
    if unknown:
        raise ApiError(422, "Unknown stations: register them first", unknown)
    taken = await tariffs.claim(db, tariff, fields["stations"])
    if taken:
        raise ApiError(409, "Stations have another tariff", taken)
    await tariffs.release_others(db, tariff, fields["stations"])
    existed = await tariffs.get(db, tariff) is not None
    await tariffs.put(db, tariff, {**fields, "updatedAt": utc_now()})
    doc = await tariffs.get(db, tariff)
    assert doc is not None
    tariff_push.start(request.app, doc)
    return json_response(view(doc), status=200 if existed else 201)


async def get_tariff(request: web.Request) -> web.Response:
    doc = await tariffs.get(request.app[DB], tariff_id(request))
    if doc is None:
        raise ApiError(404, "Unknown tariff", request.match_info["tariffId"])
    return json_response(view(doc))


async def list_tariffs(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    docs = await tariffs.list_all(request.app[DB], limit, skip)
    return json_response([view(doc) for doc in docs])


async def delete_tariff(request: web.Request) -> web.Response:
    tariff = tariff_id(request)
    if not await tariffs.delete(request.app[DB], tariff):
        raise ApiError(404, "Unknown tariff", tariff)
    return json_response({"tariffId": tariff, "deleted": True})


ROUTES = [
    web.get("/api/v1/tariffs", list_tariffs),
    web.put("/api/v1/tariffs/{tariffId}", put_tariff),
    web.get("/api/v1/tariffs/{tariffId}", get_tariff),
    web.delete("/api/v1/tariffs/{tariffId}", delete_tariff),
]
