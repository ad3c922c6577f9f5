"""/api/v1/transactions: transactions with their events and meter values."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from store import meter_values, transactions

from .. import views
from ..errors import ApiError, json_response, optional_bool, paging
from ..keys import DB


async def _one(request: web.Request) -> dict[str, Any]:
    """A transactionId is unique per station; ``?stationId=`` disambiguates."""
    transaction_id = request.match_info["transactionId"]
    station = request.query.get("stationId")
    db = request.app[DB]
    if station:
        doc = await transactions.get(db, station, transaction_id)
        docs = [doc] if doc else []
    else:
        docs = await transactions.find_by_id(db, transaction_id)
    if not docs:
        raise ApiError(404, "Unknown transaction", transaction_id)
    if len(docs) > 1:
        raise ApiError(
            409,
            "transactionId used by several stations; add ?stationId=",
            sorted(d["station"] for d in docs),
        )
    return docs[0]


async def get_transaction(request: web.Request) -> web.Response:
    doc = await _one(request)
    events = await transactions.events(request.app[DB], doc["station"], doc["transactionId"])
    return json_response(views.transaction(doc, events))


async def get_meter_values(request: web.Request) -> web.Response:
    doc = await _one(request)
    docs = await meter_values.for_transaction(request.app[DB], doc["station"], doc["transactionId"])
    return json_response({"meterValues": [views.meter_value(d) for d in docs]})


async def list_transactions(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    active = optional_bool(request, "active")
    docs = await transactions.list_filtered(
        request.app[DB], request.query.get("stationId"), active, limit, skip
    )
    return json_response({"transactions": [views.transaction(d) for d in docs]})


ROUTES = [
    web.get("/api/v1/transactions", list_transactions),
    web.get("/api/v1/transactions/{transactionId}", get_transaction),
    web.get("/api/v1/transactions/{transactionId}/meter-values", get_meter_values),
]
