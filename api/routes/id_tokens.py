"""/api/v1/id-tokens: the tokens Authorize and TransactionEvent check against.

A PUT or DELETE of a token named by local lists starts, in the background, the sync of each
station of those lists (``api.local_list_sync``): each gets the change as a Differential
update (a deleted token is removed from its list)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared import schemas, timestamps
from store import id_tokens, local_lists

from .. import local_list_sync, views
from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB


def _enum(action: str, definition: str) -> list[str]:
    values: list[str] = schemas.load(action, "Request")["definitions"][definition]["enum"]
    return values


TOKEN_TYPES = _enum("Authorize", "IdTokenEnumType")
MAX_TOKEN: int = schemas.load("Authorize", "Request")["definitions"]["IdTokenType"]["properties"][
    "idToken"
]["maxLength"]
_MESSAGE = schemas.load("Authorize", "Response")["definitions"]["MessageContentType"]
MESSAGE_FORMATS: list[str] = schemas.load("Authorize", "Response")["definitions"][
    "MessageFormatEnumType"
]["enum"]
MAX_MESSAGE: int = _MESSAGE["properties"]["content"]["maxLength"]
MAX_LANGUAGE: int = _MESSAGE["properties"]["language"]["maxLength"]
STATUSES = schemas.load("Authorize", "Response")["definitions"]["AuthorizationStatusEnumType"][
    "enum"
]


def _token_ref(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != {"idToken", "type"}:
        raise ApiError(422, f"{what} must be null or {{idToken, type}}")
    if value["type"] not in TOKEN_TYPES or not isinstance(value["idToken"], str):
        raise ApiError(422, f"{what}: type must be one of {', '.join(TOKEN_TYPES)}")
    if not 0 < len(value["idToken"]) <= MAX_TOKEN:
        raise ApiError(422, f"{what}.idToken is 1 to {MAX_TOKEN} characters (IdTokenType)")
    return {"idToken": value["idToken"], "type": value["type"]}


def _personal_message(value: Any) -> dict[str, str]:
    """MessageContentType as the Authorize response's schema bounds it."""
    if (
        not isinstance(value, dict)
        or not {"format", "content"} <= set(value)
        or not set(value) <= {"format", "content", "language"}
    ):
        raise ApiError(422, "personalMessage must be null or {format, content, language?}")
    if value["format"] not in MESSAGE_FORMATS:
        raise ApiError(422, "personalMessage.format", MESSAGE_FORMATS)
    content = value["content"]
    if not isinstance(content, str) or len(content) > MAX_MESSAGE:
        raise ApiError(422, f"personalMessage.content is a string of at most {MAX_MESSAGE}")
    message = {"format": value["format"], "content": content}
    if "language" in value:
        language = value["language"]
        if not isinstance(language, str) or not 0 < len(language) <= MAX_LANGUAGE:
            raise ApiError(
                422, f"personalMessage.language is 1 to {MAX_LANGUAGE} characters (RFC 5646)"
            )
        message["language"] = language
    return message


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - {"type", "status", "groupIdToken", "expiresAt", "personalMessage"}
    if unknown:
        raise ApiError(422, "Unknown fields", sorted(unknown))
    if body.get("type") not in TOKEN_TYPES:
        raise ApiError(422, "type is required", TOKEN_TYPES)
    status = body.get("status", "Accepted")
    if status not in STATUSES:
        raise ApiError(422, "Invalid status", STATUSES)
    fields: dict[str, Any] = {
        "type": body["type"],
        "status": status,
        "groupIdToken": None,
        "expiresAt": None,
        "personalMessage": None,
    }
    if body.get("groupIdToken") is not None:
        fields["groupIdToken"] = _token_ref(body["groupIdToken"], "groupIdToken")
    if body.get("personalMessage") is not None:
        fields["personalMessage"] = _personal_message(body["personalMessage"])
    if body.get("expiresAt") is not None:
        try:
            fields["expiresAt"] = timestamps.parse(str(body["expiresAt"]))
        except timestamps.NotADateTime:
            raise ApiError(
                422, "expiresAt must be an RFC 3339 date-time with a time zone (e.g. Z)"
            ) from None
    return fields


def checked_token(token: str) -> str:
    if not 0 < len(token) <= MAX_TOKEN:
        raise ApiError(400, f"idToken is 1 to {MAX_TOKEN} characters (IdTokenType)")
    return token


def _token(request: web.Request) -> str:
    return checked_token(request.match_info["idToken"])


async def store_token(
    request: web.Request, token: str, body: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    """Validate, store and resync the lists naming it: the PUT's work, shared with the
    console's form so both check and do the same. True when the token is new."""
    fields = _fields(body)
    created = await id_tokens.upsert(request.app[DB], token, fields)
    await _sync_lists_holding(request, token)
    doc = await id_tokens.get(request.app[DB], token)
    assert doc is not None
    return created, views.id_token(doc)


async def remove_token(request: web.Request, token: str) -> None:
    """The DELETE's work, shared with the console: 404 for a token not stored."""
    if not await id_tokens.delete(request.app[DB], token):
        raise ApiError(404, "Unknown idToken", token)
    await _sync_lists_holding(request, token)


async def put_token(request: web.Request) -> web.Response:
    created, view = await store_token(request, _token(request), await read_json(request))
    return json_response(view, 201 if created else 200)


async def _sync_lists_holding(request: web.Request, token: str) -> None:
    """Bring every station of every list naming ``token`` up to date, in the background.

    The list keeps naming a deleted token (the driver leaves it out of what it sends); a
    token PUT again later is sent again."""
    db = request.app[DB]
    for doc in await local_lists.lists_holding(db, token):
        for station in doc["stations"]:
            await local_lists.set_status(db, station, doc["_id"], local_lists.UPDATING, None)
        local_list_sync.start(request.app, doc["stations"], doc["_id"])


async def get_token(request: web.Request) -> web.Response:
    doc = await id_tokens.get(request.app[DB], _token(request))
    if doc is None:
        raise ApiError(404, "Unknown idToken", request.match_info["idToken"])
    return json_response(views.id_token(doc))


async def delete_token(request: web.Request) -> web.Response:
    await remove_token(request, _token(request))
    return web.Response(status=204)


async def list_tokens(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    docs = await id_tokens.list_all(request.app[DB], limit, skip)
    return json_response({"idTokens": [views.id_token(d) for d in docs]})


ROUTES = [
    web.get("/api/v1/id-tokens", list_tokens),
    web.put("/api/v1/id-tokens/{idToken}", put_token),
    web.get("/api/v1/id-tokens/{idToken}", get_token),
    web.delete("/api/v1/id-tokens/{idToken}", delete_token),
]
