"""The console's id tokens, local lists, API keys and audit log (issue #17, item 4).

Each page reads what its API route reads, and each form goes through that route's own
function (``routes.id_tokens.store_token``, ``routes.local_lists.validated`` and
``store_and_sync``, ``routes.api_keys.create`` and ``revoke``), so a change made here is
checked, stored, synced and audited (the audit middleware records every console POST) as
the same change made through the JSON API. ``access.CONSOLE_ROLES`` gives each route the
role of its API route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from shared import names
from store import api_keys as key_store
from store import audit, id_tokens, local_lists

from .. import views
from ..errors import ApiError
from ..keys import DB
from ..routes import api_keys as key_routes
from ..routes import id_tokens as token_routes
from ..routes import local_lists as list_routes
from . import session
from .paging import PAGE_SIZE, page_number, window
from .render import render

MAX_FILTER = 64  # the audit route's bound on station and keyId
ALL = "all"
TOKEN_STATUSES: list[str] = list(token_routes.STATUSES)
TOKENS_ROUTE = "/console/id-tokens"
LISTS_ROUTE = "/console/local-lists"
KEYS_ROUTE = "/console/admin/api-keys"


# Pure helpers: what a query string or a form means, tested without a server.


def token_filter(query: Mapping[str, str]) -> tuple[str, str]:
    """The id-token prefix searched for and the status shown (``ALL`` or one of the
    AuthorizationStatus values); anything else shows all."""
    prefix = query.get("q", "").strip()[: token_routes.MAX_TOKEN]
    status = query.get("status", ALL)
    return prefix, status if status in TOKEN_STATUSES else ALL


def audit_filter(query: Mapping[str, str]) -> dict[str, str]:
    """The audit route's filters (station, keyId), refused beyond its bound as it does."""
    chosen = {name: query.get(name, "").strip() for name in ("station", "keyId")}
    if any(len(value) > MAX_FILTER for value in chosen.values()):
        raise ApiError(400, f"station and keyId are at most {MAX_FILTER} characters")
    return chosen


def lines(text: str) -> list[str]:
    """A textarea's values, one a line or comma-separated, in order. Repeats are kept, so
    the API's own check refuses them as it would in a PUT."""
    return [v.strip() for line in text.splitlines() for v in line.split(",") if v.strip()]


def token_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The PUT /id-tokens body a form describes; a blank optional field is left out (null
    to the API), so a form saved again keeps only what it shows."""
    body: dict[str, Any] = {"type": form.get("type", ""), "status": form.get("status", "")}
    if form.get("expiresAt", "").strip():
        body["expiresAt"] = form["expiresAt"].strip()
    group = form.get("groupIdToken", "").strip()
    if group:
        body["groupIdToken"] = {"idToken": group, "type": form.get("groupType", "")}
    content = form.get("messageContent", "")
    if content.strip():
        message = {"format": form.get("messageFormat", ""), "content": content}
        if form.get("messageLanguage", "").strip():
            message["language"] = form["messageLanguage"].strip()
        body["personalMessage"] = message
    return body


def token_form(view: Mapping[str, Any]) -> dict[str, str]:
    """The form fields of a stored token (``views.id_token``), to edit it in place."""
    group = view.get("groupIdToken") or {}
    message = view.get("personalMessage") or {}
    return {
        "idToken": view["idToken"],
        "type": view["type"],
        "status": view["status"],
        "expiresAt": view.get("expiresAt") or "",
        "groupIdToken": group.get("idToken", ""),
        "groupType": group.get("type", ""),
        "messageFormat": message.get("format", ""),
        "messageContent": message.get("content", ""),
        "messageLanguage": message.get("language", ""),
    }


def sync_counts(stations: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """How many of a list's stations are in each sync status (the list view's)."""
    counts = dict.fromkeys(local_lists.STATUSES, 0)
    for state in stations.values():
        counts[state["status"]] = counts.get(state["status"], 0) + 1
    return counts


def refusal(exc: ApiError) -> dict[str, Any]:
    """The API's error as one line for the page, with what it names (the unknown tokens,
    each taken station and the list holding it)."""
    detail = exc.detail
    if isinstance(detail, dict):
        named = [f"{k} ({v})" for k, v in detail.items()]
    elif isinstance(detail, list):
        named = [str(v) for v in detail]
    else:
        named = [] if detail is None else [str(detail)]
    text = f"{exc.error}: {', '.join(named)}" if named else exc.error
    return {"status": exc.status, "text": text}


async def _form(request: web.Request, csrf: str) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.post()).items()}
    session.check_csrf(csrf, form)
    return form


# Id tokens


async def _tokens_context(request: web.Request, query: Mapping[str, str]) -> dict[str, Any]:
    prefix, status = token_filter(query)
    page = page_number(query.get("page"))
    limit, skip = window(page)
    docs = await id_tokens.page(
        request.app[DB], prefix, None if status == ALL else status, limit, skip
    )
    return {
        "rows": [views.id_token(d) for d in docs[:PAGE_SIZE]],
        "page": page,
        "more": len(docs) > PAGE_SIZE,
        "query": {"q": prefix, "status": status},
        "statuses": TOKEN_STATUSES,
        "types": token_routes.TOKEN_TYPES,
        "formats": token_routes.MESSAGE_FORMATS,
        "form": {"type": "ISO14443", "status": "Accepted"},
    }


async def id_token_list(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    context = await _tokens_context(request, request.query)
    context["deleted"] = request.query.get("deleted")
    return render(request, "id_tokens.html", context, identity, csrf)


async def id_token_page(request: web.Request) -> web.Response:
    """The token as GET /id-tokens/{idToken} shows it, and the local lists naming it."""
    identity, csrf = await session.check(request)
    token = token_routes.checked_token(request.match_info["idToken"])
    db = request.app[DB]
    doc = await id_tokens.get(db, token)
    if doc is None:
        raise ApiError(404, "Unknown idToken", token)
    view = views.id_token(doc)
    context = {
        "token": view,
        "lists": [d["_id"] for d in await local_lists.lists_holding(db, token)],
        "form": token_form(view),
        "statuses": TOKEN_STATUSES,
        "types": token_routes.TOKEN_TYPES,
        "formats": token_routes.MESSAGE_FORMATS,
        "saved": request.query.get("saved"),
    }
    return render(request, "id_token.html", context, identity, csrf)


async def save_id_token(request: web.Request) -> web.Response:
    """PUT /id-tokens/{idToken} from a form: add a token or replace one's idTokenInfo."""
    identity, csrf = await session.check(request)
    form = await _form(request, csrf)
    token = form.get("idToken", "").strip()
    try:
        created, _ = await token_routes.store_token(
            request, token_routes.checked_token(token), token_body(form)
        )
    except ApiError as exc:
        context = await _tokens_context(request, {})
        context |= {"form": form, "error": refusal(exc), "deleted": None}
        return render(request, "id_tokens.html", context, identity, csrf, status=exc.status)
    saved = "created" if created else "updated"
    location = f"{TOKENS_ROUTE}/{quote(token, safe='')}?saved={saved}"
    return web.Response(status=303, headers={"Location": location})


async def delete_id_token(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    await _form(request, csrf)
    token = token_routes.checked_token(request.match_info["idToken"])
    try:
        await token_routes.remove_token(request, token)
    except ApiError as exc:
        context = await _tokens_context(request, {})
        context |= {"error": refusal(exc), "deleted": None}
        return render(request, "id_tokens.html", context, identity, csrf, status=exc.status)
    location = f"{TOKENS_ROUTE}?{urlencode({'deleted': token})}"
    return web.Response(status=303, headers={"Location": location})


# Local lists


async def _lists_context(request: web.Request, query: Mapping[str, str]) -> dict[str, Any]:
    page = page_number(query.get("page"))
    limit, skip = window(page)
    docs = await local_lists.list_all(request.app[DB], limit, skip)
    rows = []
    for doc in docs[:PAGE_SIZE]:
        view = await list_routes.view(request, doc)
        rows.append({**view, "sync": sync_counts(view["stations"])})
    return {"rows": rows, "page": page, "more": len(docs) > PAGE_SIZE, "form": {}}


async def local_list_overview(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    context = await _lists_context(request, request.query)
    return render(request, "local_lists.html", context, identity, csrf)


async def local_list_page(request: web.Request) -> web.Response:
    """The list as GET /local-lists/{listId} shows it: members and each station's state."""
    identity, csrf = await session.check(request)
    list_id = list_routes.checked_list_id(request.match_info["listId"])
    doc = await local_lists.get(request.app[DB], list_id)
    if doc is None:
        raise ApiError(404, "Unknown local list", list_id)
    view = await list_routes.view(request, doc)
    context = {
        "list": view,
        "sync": sync_counts(view["stations"]),
        "form": {
            "listId": list_id,
            "idTokens": "\n".join(view["idTokens"]),
            "stations": "\n".join(view["stations"]),
        },
        "saved": request.query.get("saved"),
    }
    return render(request, "local_list.html", context, identity, csrf)


async def _put_list(
    request: web.Request, list_id: str, tokens: list[str], stations: list[str]
) -> bool:
    """PUT /local-lists/{listId}: validated and claimed, stored, each station synced."""
    list_id = list_routes.checked_list_id(list_id)
    body = {"idTokens": tokens, "stations": stations}
    tokens, stations = await list_routes.validated(request, list_id, body)
    created, _ = await list_routes.store_and_sync(request, list_id, tokens, stations)
    return created


async def save_local_list(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    form = await _form(request, csrf)
    list_id = form.get("listId", "").strip()
    try:
        created = await _put_list(
            request, list_id, lines(form.get("idTokens", "")), lines(form.get("stations", ""))
        )
    except ApiError as exc:
        context = await _lists_context(request, {})
        context |= {"form": form, "error": refusal(exc)}
        return render(request, "local_lists.html", context, identity, csrf, status=exc.status)
    saved = "created" if created else "updated"
    location = f"{LISTS_ROUTE}/{quote(list_id, safe='')}?saved={saved}"
    return web.Response(status=303, headers={"Location": location})


async def sync_local_list(request: web.Request) -> web.Response:
    """Push the stored list to its stations again. The API has no sync route of its own: a
    PUT of the same list is how it resends, so this is that PUT, with its checks (a token
    deleted since is refused, as the PUT would refuse it)."""
    identity, csrf = await session.check(request)
    await _form(request, csrf)
    list_id = list_routes.checked_list_id(request.match_info["listId"])
    doc = await local_lists.get(request.app[DB], list_id)
    if doc is None:
        raise ApiError(404, "Unknown local list", list_id)
    try:
        await _put_list(request, list_id, doc["idTokens"], doc["stations"])
    except ApiError as exc:
        context = await _lists_context(request, {})
        context["error"] = refusal(exc)
        return render(request, "local_lists.html", context, identity, csrf, status=exc.status)
    location = f"{LISTS_ROUTE}/{quote(list_id, safe='')}?saved=pushed"
    return web.Response(status=303, headers={"Location": location})


# API keys and the audit log (admin)


async def _keys_context(request: web.Request, query: Mapping[str, str]) -> dict[str, Any]:
    page = page_number(query.get("page"))
    limit, skip = window(page)
    docs = await key_store.list_all(request.app[DB], limit, skip)
    return {
        "rows": [views.api_key(d) for d in docs[:PAGE_SIZE]],
        "page": page,
        "more": len(docs) > PAGE_SIZE,
        "roles": names.ROLES,
        "form": {"role": names.ROLE_VIEWER},
        "created": None,
        "revoked": query.get("revoked"),
    }


async def api_key_list(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    context = await _keys_context(request, request.query)
    return render(request, "api_keys.html", context, identity, csrf)


async def create_api_key(request: web.Request) -> web.Response:
    """POST /api-keys from a form. The key is in this answer only (``no-store``, and no
    redirect that would carry it in a URL): it is never shown again."""
    identity, csrf = await session.check(request)
    form = await _form(request, csrf)
    try:
        body = {"name": form.get("name", "").strip(), "role": form.get("role", "")}
        created = await key_routes.create(request, body)
    except ApiError as exc:
        context = await _keys_context(request, {})
        context |= {"form": form, "error": refusal(exc)}
        return render(request, "api_keys.html", context, identity, csrf, status=exc.status)
    context = {**await _keys_context(request, {}), "created": created}
    return render(request, "api_keys.html", context, identity, csrf, status=201)


async def revoke_api_key(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    await _form(request, csrf)
    identifier = request.match_info["keyId"]
    try:
        await key_routes.revoke(request, identifier)
    except ApiError as exc:
        context = await _keys_context(request, {})
        context["error"] = refusal(exc)
        return render(request, "api_keys.html", context, identity, csrf, status=exc.status)
    location = f"{KEYS_ROUTE}?{urlencode({'revoked': identifier})}"
    return web.Response(status=303, headers={"Location": location})


async def audit_log(request: web.Request) -> web.Response:
    """GET /audit: newest first, by station and key, paged on the server."""
    identity, csrf = await session.check(request)
    chosen = audit_filter(request.query)
    page = page_number(request.query.get("page"))
    limit, skip = window(page)
    docs = await audit.list_filtered(
        request.app[DB], chosen["station"] or None, chosen["keyId"] or None, limit, skip
    )
    context = {
        "rows": [views.audit_entry(d) for d in docs[:PAGE_SIZE]],
        "page": page,
        "more": len(docs) > PAGE_SIZE,
        "query": chosen,
    }
    return render(request, "audit.html", context, identity, csrf)


ROUTES = [
    web.get(TOKENS_ROUTE, id_token_list),
    web.post(TOKENS_ROUTE, save_id_token),
    web.get(TOKENS_ROUTE + "/{idToken}", id_token_page),
    web.post(TOKENS_ROUTE + "/{idToken}/delete", delete_id_token),
    web.get(LISTS_ROUTE, local_list_overview),
    web.post(LISTS_ROUTE, save_local_list),
    web.get(LISTS_ROUTE + "/{listId}", local_list_page),
    web.post(LISTS_ROUTE + "/{listId}/sync", sync_local_list),
    web.get(KEYS_ROUTE, api_key_list),
    web.post(KEYS_ROUTE, create_api_key),
    web.post(KEYS_ROUTE + "/{keyId}/revoke", revoke_api_key),
    web.get("/console/admin/audit", audit_log),
]
