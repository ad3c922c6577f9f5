"""/api/v1/api-keys: operator API keys. A key is shown once, in the answer that creates it;
revoking one holds at once on every API replica (each request reads its key)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from shared import api_keys, names
from shared.events import utc_now
from store import api_keys as key_store

from .. import views
from ..auth import IDENTITY
from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB

NAME = re.compile(r"[\w .@:/+-]{1,100}")


async def create(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """A new key's view with the key itself, the one time it is shown (the POST's work,
    shared with the console's form)."""
    unknown = set(body) - {"name", "role"}
    if unknown:
        raise ApiError(422, "Unknown fields", sorted(unknown))
    name, role = body.get("name"), body.get("role")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ApiError(422, "name is required: 1-100 letters, digits, spaces or . @ : / + - _")
    if role not in names.ROLES:
        raise ApiError(422, "role must be one of " + ", ".join(names.ROLES))
    identifier, key = api_keys.new_key()
    creator = request[IDENTITY].key_id
    await key_store.create(request.app[DB], identifier, api_keys.digest(key), name, role, creator)
    doc = await key_store.get(request.app[DB], identifier)
    assert doc is not None
    return {**views.api_key(doc), "key": key}


async def create_key(request: web.Request) -> web.Response:
    return json_response(await create(request, await read_json(request)), 201)


async def list_keys(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    docs = await key_store.list_all(request.app[DB], limit, skip)
    return json_response({"apiKeys": [views.api_key(d) for d in docs]})


async def revoke(request: web.Request, identifier: str) -> None:
    """Revoked now, or already: the same for the caller; 404 for a key never made."""
    if len(identifier) > 64:
        raise ApiError(404, "Unknown API key")
    revoked = await key_store.revoke(request.app[DB], identifier, utc_now())
    if not revoked and await key_store.get(request.app[DB], identifier) is None:
        raise ApiError(404, "Unknown API key", identifier)


async def revoke_key(request: web.Request) -> web.Response:
    await revoke(request, request.match_info["keyId"])
    return web.Response(status=204)


ROUTES = [
    web.get("/api/v1/api-keys", list_keys),
    web.post("/api/v1/api-keys", create_key),
    web.delete("/api/v1/api-keys/{keyId}", revoke_key),
]
