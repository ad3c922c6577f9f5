"""/api/v1/stations/{id}/display-messages: set, replace, list, clear and refresh the messages
a station shows its users (O01/O02 SetDisplayMessage, O06 replace, O05 ClearDisplayMessage,
O03 GetDisplayMessages answered by NotifyDisplayMessages).

A message is checked before anything is sent: the whole SetDisplayMessageRequest against
the official schema, then what the schema cannot say (the end after the start and not
past, a transactionId naming a transaction running on the station: O02 shows a message
during that transaction only, and a station answers UnknownTransaction otherwise). The API
is the only writer of the stored view (``store/display_messages.py``): it stores a message
once the station accepted it, forgets one once the station answered ClearDisplayMessage, and
``refresh`` makes the view what the station reports it holds.

The CSMS allocates the id of a new message: random in 1..2^31-1, retried while the station's
stored view holds it. Not max+1: small sequential ids are the ones a station's own or another
system's messages use, which the CSMS may not have learnt of, and a SetDisplayMessage with an
id the station holds replaces that message (O06). A random id collides with an unknown one
with a chance of about one in 2^31 per message held.

A set or clear that got no answer (timeout, disconnected) changes nothing stored: the
station may or may not have applied it, which only a refresh can tell.

Not covered: requests for one station are not serialised (as for charging profiles).
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from shared import commands, names, timestamps
from shared.events import iso, utc_now
from shared.schemas import SchemaViolation, validate
from shared.storable import first_unstorable
from store import display_messages, transactions

from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB, SETTINGS
from .commands import complete_report, publish_answer, record_and_send, result_response
from .reservations import MAX_ID
from .stations import require_registered, station_id

ACCEPTED = "Accepted"
UNKNOWN = "Unknown"  # GetDisplayMessages: no message matches (O03: holds none)
ID_ATTEMPTS = 5
INVALID = "Invalid display message"


def _time(value: Any) -> str | None:
    return iso(value) if value is not None else None


def view(doc: dict[str, Any]) -> dict[str, Any]:
    info = doc["messageInfo"]
    return {
        "stationId": doc["station"],
        "messageId": doc["messageId"],
        "priority": info["priority"],
        "state": info.get("state"),
        "transactionId": info.get("transactionId"),
        "startDateTime": info.get("startDateTime"),
        "endDateTime": info.get("endDateTime"),
        "message": info["message"],
        "display": info.get("display"),
        "source": doc["source"],
        "status": doc["status"],
        "statusInfo": doc.get("statusInfo"),
        "commandId": doc.get("commandId"),
        "setAt": _time(doc.get("setAt")),
        "updatedAt": _time(doc.get("updatedAt")),
        "reportedAt": _time(doc.get("reportedAt")),
    }


def _refuse(message: str, path: str, **more: Any) -> ApiError:
    return ApiError(422, INVALID, {"message": message, "path": path, **more})


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    """The MessageInfo of ``body`` (the SetDisplayMessageRequest's ``message`` without its
    ``id``), or 422 with the path of the first problem, in the body's terms."""
    if "id" in body:
        raise _refuse(
            "the CSMS allocates a message's id; to replace a message, PUT it under its id", "id"
        )
    try:
        validate("SetDisplayMessage", "Request", {"message": {**body, "id": 0}})
    except SchemaViolation as exc:
        path = exc.path.removeprefix("message").removeprefix(".")
        raise _refuse(exc.description, path, code=exc.code) from None
    unstorable = first_unstorable(body)
    if unstorable is not None:
        raise _refuse(unstorable.reason, unstorable.path)
    start, end = body.get("startDateTime"), body.get("endDateTime")
    if end is not None:
        ends = timestamps.parse(end)
        if start is not None and ends <= timestamps.parse(start):
            raise _refuse("endDateTime must be after startDateTime", "endDateTime")
        if ends <= utc_now():
            raise _refuse("endDateTime is past: the station would remove it at once", "endDateTime")
    return body


async def _require_running(db: AsyncDatabase[Any], station: str, info: dict[str, Any]) -> None:
    transaction_id = info.get("transactionId")
    if transaction_id is None:
        return
    doc = await transactions.get(db, station, transaction_id)
    if doc is None or "endedAt" in doc:
        raise _refuse(
            "no transaction with this id is running on the station (O02)", "transactionId"
        )


async def _send(
    request: web.Request, station: str, info: dict[str, Any], replaced: bool
) -> web.Response:
    """SetDisplayMessage ``info`` (with its id); store and publish it if Accepted."""
    result = await record_and_send(request, station, "SetDisplayMessage", {"message": info})
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response
    if answer["status"] != ACCEPTED:
        raise ApiError(
            409,
            "Station rejected the display message",
            {
                "commandId": result.command_id,
                "messageId": info["id"],
                "status": answer["status"],
                "statusInfo": answer.get("statusInfo"),
            },
        )
    now = utc_now()
    doc = display_messages.document(
        station,
        info,
        {
            "source": display_messages.SOURCE_API,
            "status": answer["status"],
            "statusInfo": answer.get("statusInfo"),
            "commandId": result.command_id,
            "setAt": now,
            "updatedAt": now,
            "reportedAt": None,
        },
    )
    await display_messages.put(request.app[DB], doc)
    await publish_answer(
        request,
        names.EVENT_DISPLAY_SET,
        station,
        result.command_id,
        messageId=info["id"],
        priority=info["priority"],
        state=info.get("state"),
        transactionId=info.get("transactionId"),
        replaced=replaced,
        commandId=result.command_id,
    )
    return json_response(view(doc), 200 if replaced else 201)


async def set_message(request: web.Request) -> web.Response:
    """O01/O02: a new message, under an id the CSMS allocates."""
    station = station_id(request)
    info = _checked(await read_json(request))
    await require_registered(request, station)
    db = request.app[DB]
    await _require_running(db, station, info)
    for _ in range(ID_ATTEMPTS):
        message_id = secrets.randbelow(MAX_ID) + 1
        if await display_messages.get(db, station, message_id) is None:
            break
    else:
        raise ApiError(409, "Could not allocate a message id; try again")
    return await _send(request, station, {**info, "id": message_id}, replaced=False)


def _message_id(request: web.Request) -> int:
    raw = request.match_info["messageId"]
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise ApiError(400, "messageId is a non-negative 32-bit integer")
    return int(raw)


async def replace(request: web.Request) -> web.Response:
    """O06: SetDisplayMessage under an existing id replaces the message the station holds
    with that id (also one the CSMS does not hold: the station may)."""
    station = station_id(request)
    message_id = _message_id(request)
    info = _checked(await read_json(request))
    await require_registered(request, station)
    await _require_running(request.app[DB], station, info)
    return await _send(request, station, {**info, "id": message_id}, replaced=True)


async def list_messages(request: web.Request) -> web.Response:
    """The stored view; ``?refresh=true`` refreshes it first, as POST .../refresh does (the
    auth middleware asks operator for it and audits it: ``access.QUERY_ROLES``)."""
    station = station_id(request)
    wanted = request.query.get("refresh", "false")
    if wanted == "true":
        return await refresh(request)
    if wanted != "false":
        raise ApiError(400, "refresh is true or false")
    limit, skip = paging(request)
    await require_registered(request, station)
    docs = await display_messages.for_station(request.app[DB], station, limit, skip)
    return json_response({"displayMessages": [view(d) for d in docs]})


async def clear(request: web.Request) -> web.Response:
    """ClearDisplayMessage by id, also for a message the CSMS does not hold (the station
    may): Unknown means the station holds none with that id, so the view forgets it too."""
    station = station_id(request)
    message_id = _message_id(request)
    await require_registered(request, station)
    result = await record_and_send(request, station, "ClearDisplayMessage", {"id": message_id})
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    forgotten = await display_messages.delete(request.app[DB], station, message_id)
    await publish_answer(
        request,
        names.EVENT_DISPLAY_CLEARED,
        station,
        result.command_id,
        messageId=message_id,
        answer=answer,
        commandId=result.command_id,
    )
    return json_response(
        {
            "stationId": station,
            "messageId": message_id,
            "answer": answer,
            "statusInfo": result.response.get("statusInfo"),
            "forgotten": forgotten,
            "commandId": result.command_id,
        }
    )


async def refresh(request: web.Request) -> web.Response:
    """GetDisplayMessages for every message (no id, priority or state), then the view is
    made what the NotifyDisplayMessages parts say the station holds; Unknown: none."""
    station = station_id(request)
    await require_registered(request, station)
    db = request.app[DB]
    request_id = secrets.randbelow(MAX_ID) + 1
    asked_at = utc_now()
    result = await record_and_send(
        request, station, "GetDisplayMessages", {"requestId": request_id}
    )
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    parts: list[dict[str, Any]] = []
    if answer != UNKNOWN:
        within = request.app[SETTINGS].command_timeout
        found = await complete_report(
            lambda: display_messages.report(db, station, request_id), within
        )
        if found is None:
            raise ApiError(
                504,
                "The station's NotifyDisplayMessages did not complete in time; nothing changed",
                {"commandId": result.command_id, "requestId": request_id, "answer": answer},
            )
        parts = found
    reported = [info for part in parts for info in part["messageInfo"]]
    removed, learnt = await display_messages.replace_from_report(
        db, station, reported, asked_at, utc_now()
    )
    docs = await display_messages.for_station(db, station)
    return json_response(
        {
            "commandId": result.command_id,
            "requestId": request_id,
            "answer": answer,
            "parts": len(parts),
            "removed": removed,
            "learnt": learnt,
            "displayMessages": [view(d) for d in docs],
        }
    )


ROUTES = [
    web.post("/api/v1/stations/{id}/display-messages", set_message),
    web.get("/api/v1/stations/{id}/display-messages", list_messages),
    web.post("/api/v1/stations/{id}/display-messages/refresh", refresh),
    web.put("/api/v1/stations/{id}/display-messages/{messageId}", replace),
    web.delete("/api/v1/stations/{id}/display-messages/{messageId}", clear),
]
