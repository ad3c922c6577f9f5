"""The console's pages: login, dashboard, stations, a station with its command panel, and
the Server-Sent Events stream that keeps them live."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from shared import api_keys, names
from shared.actions import command_actions
from shared.events import iso, utc_now
from shared.ocppj import STATION_ID_PATTERN
from store import (
    alerts,
    connectors,
    meter_values,
    presence,
    sites,
    station_state,
    stations,
    transactions,
)
from store import commands as command_store

from .. import auth, views
from ..access import COMMAND_ROUTE, CONSOLE_ROLES, needed_role
from ..errors import ApiError
from ..keys import DB
from ..routes import alerts as alert_routes
from ..routes import commands
from ..routes import sites as site_routes
from ..routes import stations as station_routes
from . import admin_pages, charts, forms, live, session, station_filter, station_sections, trends
from .paging import PAGE_SIZE, page_number
from .render import CONSOLE_FEED, DASHBOARD, render
from .station_filter import StationFilter

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {"console.css": "text/css", "console.js": "text/javascript"}
HEARTBEAT = 15.0  # seconds between the stream's keep-alive comments
RETRY_MS = 3000  # how soon a browser reconnects a broken stream
ACK_ROUTE = "/console/alerts/{alertId}/ack"


async def root(request: web.Request) -> web.Response:
    return web.Response(status=303, headers={"Location": "/console/"})


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in STATIC_TYPES:
        raise ApiError(404, "Not found")
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=STATIC_TYPES[name],
        headers={"Cache-Control": "no-cache"},
    )


def _next(target: str) -> str:
    """Only a console path: never a redirect elsewhere."""
    return target if target.startswith("/console/") and "//" not in target else "/console/"


async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", {"next": _next(request.query.get("next", ""))})


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    key = str(form.get("key", "")).strip()
    target = _next(str(form.get("next", "")))
    identity = await auth.identify(request.app, key) if key else None
    if identity is None:
        context = {"next": target, "error": "Unknown or revoked API key"}
        return render(request, "login.html", context, status=401)
    request[auth.IDENTITY] = identity  # audited
    response = web.Response(status=303, headers={"Location": target})
    session.set_cookie(request, response, key)
    return response


async def logout(request: web.Request) -> web.Response:
    _, csrf = await session.check(request)
    session.check_csrf(csrf, await request.post())
    response = web.Response(status=303, headers={"Location": session.LOGIN})
    session.clear_cookie(response)
    return response


async def dashboard_numbers(db: Any) -> dict[str, Any]:
    now = utc_now()
    total, online, charging, active, recent = await asyncio.gather(
        stations.count(db),
        presence.count_online(db),
        transactions.count_running(db),
        alerts.count_active(db),
        transactions.for_trends(db, trends.window_start(now)),
    )
    seen = trends.compute(recent, now)
    counts = {"total": total, "online": online, "offline": max(total - online, 0)}
    counts |= {"charging": charging, "alerts": active}
    return {
        "counts": counts,
        "energy_today_kwh": round(seen.energy_today_wh / 1000, 1),
        "trends": {
            "energy": trends.sparkline(seen.energy_wh),
            "started": trends.sparkline([float(n) for n in seen.started]),
            "charging": trends.sparkline([float(n) for n in seen.charging]),
            "energy_kwh_24h": round(sum(seen.energy_wh) / 1000, 1),
            "started_24h": sum(seen.started),
            "charging_peak": max(seen.charging, default=0),
        },
        "computed_at": iso(now),
    }


async def dashboard(request: web.Request) -> web.Response:
    """Counts and trends shared by every browser of this process for a few seconds
    (``render.DASHBOARD``): the page is re-read on every fleet event."""
    identity, csrf = await session.check(request)
    db = request.app[DB]
    numbers = await request.app[DASHBOARD].get(lambda: dashboard_numbers(db))
    return render(request, "dashboard.html", numbers, identity, csrf)


async def station_rows(
    db: Any, chosen: StationFilter, page: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the station list and how many stations match. Unfiltered (or by id
    prefix only): one paged query and one count on ``stations``. Filtered: each filter's
    id list read once and combined in memory (``station_filter.select``, which says why),
    then only the page's documents read by ``_id``."""
    skip = (page - 1) * PAGE_SIZE
    if not station_filter.narrows(chosen):
        docs, matching = await stations.page(db, chosen.prefix, chosen.descending, PAGE_SIZE, skip)
    else:
        narrowed: list[list[str]] = []
        if chosen.site:
            site = await sites.get(db, chosen.site)
            narrowed.append(list(site["stations"]) if site else [])
        if chosen.model or chosen.firmware:
            narrowed.append(await station_state.booted_as(db, chosen.model, chosen.firmware))
        every, online = await asyncio.gather(
            stations.ids(db) if station_filter.needs_every(chosen) else _none(),
            presence.online(db) if chosen.status != "all" else _none(),
        )
        shown = station_filter.select(chosen, every, online, narrowed)
        matching = len(shown)
        docs = await stations.by_ids(db, shown[skip : skip + PAGE_SIZE])
    ids = [d["_id"] for d in docs]
    connected, boots, site_ids = await asyncio.gather(
        presence.connected_among(db, ids),
        station_state.boots_of(db, ids),
        sites.sites_of(db, ids),
    )
    rows = []
    for station in ids:
        reported = (boots.get(station) or {}).get("chargingStation") or {}
        model = " ".join(str(reported[k]) for k in ("vendorName", "model") if reported.get(k))
        rows.append(
            {
                "id": station,
                "online": station in connected,
                "model": model,
                "firmware": reported.get("firmwareVersion", ""),
                "site": site_ids.get(station, ""),
            }
        )
    return rows, matching


async def _none() -> None:
    return None


async def _stations_context(request: web.Request, query: Mapping[str, str]) -> dict[str, Any]:
    chosen = StationFilter.parse(query)
    page = page_number(request.query.get("page"))
    rows, matching = await station_rows(request.app[DB], chosen, page)
    return {
        "rows": rows,
        "page": page,
        "pages": max(1, math.ceil(matching / PAGE_SIZE)),
        "matching": matching,
        "query": chosen.query(),
        "statuses": station_filter.STATUSES,
        "profiles": SECURITY_PROFILES,
        "form": {},
    }


async def station_list(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    context = await _stations_context(request, request.query)
    return render(request, "stations.html", context, identity, csrf)


SECURITY_PROFILES = ("", "0", "1", "2", "3")


def registration_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The PUT body a registration form means: a password, or one generated by the CSMS,
    and a security profile unless left to the default (1 with a password, else 0)."""
    body: dict[str, Any] = {}
    if form.get("generate") == "on":
        body["generatePassword"] = True
    if password := form.get("password", "").strip():
        body["password"] = password
    if (profile := form.get("securityProfile", "")) in SECURITY_PROFILES[1:]:
        body["securityProfile"] = int(profile)
    return body


async def register_station(request: web.Request) -> web.Response:
    """PUT /api/v1/stations/{id} from a form (``routes.stations.register``: same checks,
    same notice to the gateways). A generated password is in this answer only (no
    redirect carries it), as the API shows it once."""
    identity, csrf = await session.check(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    session.check_csrf(csrf, form)
    context = await _stations_context(request, {})
    station = form.get("id", "").strip()
    try:
        if not STATION_ID_PATTERN.fullmatch(station):
            raise ApiError(400, "Invalid station id", "1 to 48 characters of a-z A-Z 0-9 *-_=+|@.")
        view, created = await station_routes.register(request, station, registration_body(form))
    except ApiError as exc:
        context |= {"form": form, "error": admin_pages.refusal(exc)}
        return render(request, "stations.html", context, identity, csrf, status=exc.status)
    context["registered"] = {**view, "created": created}
    return render(request, "stations.html", context, identity, csrf, status=201 if created else 200)


def _station_id(request: web.Request) -> str:
    station = request.match_info["id"]
    if not STATION_ID_PATTERN.fullmatch(station):
        raise ApiError(400, "Invalid station id")
    return station


async def _station_context(request: web.Request, station: str, action: str) -> dict[str, Any]:
    """The station page; its command panel offers the actions of the OCPP version the
    station's connection speaks, with forms from that version's schemas."""
    db = request.app[DB]
    doc = await stations.with_state(db, station)
    if doc is None:
        raise ApiError(404, "Unknown station", station)
    view = views.station(doc, await connectors.for_station(db, station))
    history = [views.command(d) for d in await command_store.list_for(db, station, 10, 0)]
    version = str((view.get("connection") or {}).get("ocppVersion") or names.OCPP201)
    allowed = command_actions(version)
    action = action if action in allowed else "Reset"
    return {
        "station": view,
        "history": history,
        "actions": sorted(allowed),
        "action": action,
        "fields": forms.fields(action, version),
        "raw": forms.RAW,
        "version": version,
    }


def _may_command(identity: auth.Identity, action: str) -> bool:
    needed = needed_role("POST", COMMAND_ROUTE, action)
    return needed is not None and api_keys.allows(identity.role, needed)


async def station_page(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    station = _station_id(request)
    context = await _station_context(request, station, request.query.get("action", ""))
    context["can_command"] = _may_command(identity, context["action"])
    return render(request, "station.html", context, identity, csrf)


async def command(request: web.Request) -> web.Response:
    """Send a command through the API's own path (validated against the request schema,
    recorded, sent, answered) and show the answer on the station's page."""
    identity, csrf = await session.check(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    session.check_csrf(csrf, form)
    station = _station_id(request)
    action = form.get("action", "")
    version = await commands.station_version(request, station)
    if action not in command_actions(version):
        raise ApiError(404, f"Not an action the CSMS sends in {version}")
    await session.check(request, needed_role("POST", COMMAND_ROUTE, action))
    context = await _station_context(request, station, action)
    context["can_command"] = True
    context["form"] = form
    try:
        payload = forms.payload(action, form, version)
        commands.check_request(action, payload, version)
        answer = await commands.send(request, station, action, payload, version)
        assert isinstance(answer.body, bytes)
        context["result"] = {"status": answer.status, "body": orjson.loads(answer.body)}
    except forms.FormError as exc:
        context["result"] = {"status": 422, "body": {"error": str(exc)}}
    except ApiError as exc:
        context["result"] = {
            "status": exc.status,
            "body": {"error": exc.error, "detail": exc.detail},
        }
    context["result"]["text"] = orjson.dumps(
        context["result"]["body"], option=orjson.OPT_INDENT_2
    ).decode()
    db = request.app[DB]
    context["history"] = [
        views.command(d) for d in await command_store.list_for(db, station, 10, 0)
    ]
    return render(request, "station.html", context, identity, csrf)


def _topic(request: web.Request) -> live.Topic:
    """``?station=<id>``, ``?site=<id>`` or neither (the fleet)."""
    if station := request.query.get("station"):
        if not STATION_ID_PATTERN.fullmatch(station):
            raise ApiError(400, "Invalid station id")
        return (live.STATION, station)
    if site := request.query.get("site"):
        if not site_routes.SITE_ID_PATTERN.fullmatch(site):
            raise ApiError(400, "Invalid site id")
        return (live.SITE, site)
    return None


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: each event of ``ocpp.events`` the page shows, as its JSON; a
    comment every ``HEARTBEAT`` seconds keeps proxies from closing the stream."""
    await session.check(request)
    topic = _topic(request)
    feed = request.app.get(CONSOLE_FEED)
    if feed is None:
        raise ApiError(503, "The live feed is not connected yet", headers={"Retry-After": "3"})
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    # Bound before the first line: a client that read it misses no later event.
    subscriber = await feed.subscribe(topic)
    try:
        await response.prepare(request)
        await response.write(f"retry: {RETRY_MS}\n\n".encode())
        while True:
            try:
                body = await asyncio.wait_for(subscriber.queue.get(), HEARTBEAT)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if body is None:
                break
            await response.write(b"data: " + body + b"\n\n")
    except ConnectionResetError:
        pass
    finally:
        await feed.unsubscribe(subscriber)
    return response


def _optional_station(request: web.Request, name: str = "station") -> str:
    station = request.query.get(name, "").strip()
    if station and not STATION_ID_PATTERN.fullmatch(station):
        raise ApiError(400, "Invalid station id")
    return station


async def transaction_list(request: web.Request) -> web.Response:
    """Newest first, paged on the server: one row more than a page says there is a next."""
    identity, csrf = await session.check(request)
    station = _optional_station(request)
    state = request.query.get("state", "all")
    active = {"active": True, "ended": False}.get(state)
    page = page_number(request.query.get("page"))
    docs = await transactions.list_filtered(
        request.app[DB], station or None, active, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE
    )
    rows = [views.transaction(d) for d in docs[:PAGE_SIZE]]
    context = {
        "rows": rows,
        "page": page,
        "more": len(docs) > PAGE_SIZE,
        "query": {"station": station, "state": state if active is not None else "all"},
    }
    return render(request, "transactions.html", context, identity, csrf)


async def transaction_page(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    station = _station_id(request)
    transaction_id = request.match_info["transactionId"]
    db = request.app[DB]
    doc = await transactions.get(db, station, transaction_id)
    if doc is None:
        raise ApiError(404, "Unknown transaction", transaction_id)
    events, samples = await asyncio.gather(
        transactions.events(db, station, transaction_id),
        meter_values.for_transaction(db, station, transaction_id),
    )
    energy, power, derived = charts.series(samples)
    context = {
        "tx": views.transaction(doc, events),
        "chart": charts.energy_chart(energy, power),
        "derived": derived,
        "samples": len(samples),
    }
    return render(request, "transaction.html", context, identity, csrf)


ALERT_STATES = {"all": None, "active": True, "cleared": False}
ACK_STATES = {"all": None, "acknowledged": True, "unacknowledged": False}


async def _alerts_context(request: web.Request, query: dict[str, str]) -> dict[str, Any]:
    station = query.get("station", "").strip()
    if station and not STATION_ID_PATTERN.fullmatch(station):
        raise ApiError(400, "Invalid station id")
    state = query.get("state", "all")
    state = state if state in ALERT_STATES else "all"
    ack = query.get("ack", "all")
    ack = ack if ack in ACK_STATES else "all"
    page = page_number(query.get("page"))
    docs = await alerts.find(
        request.app[DB],
        station or None,
        ALERT_STATES[state],
        ACK_STATES[ack],
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
        active_first=True,
    )
    return {
        "rows": [alert_routes.view(d, d["ack"]) for d in docs[:PAGE_SIZE]],
        "page": page,
        "more": len(docs) > PAGE_SIZE,
        "query": {"station": station, "state": state, "ack": ack},
        "max_note": alert_routes.MAX_NOTE,
    }


def _may(identity: auth.Identity, method: str, route: str) -> bool:
    role = CONSOLE_ROLES[(method, route)]
    return role is None or api_keys.allows(identity.role, role)


async def alert_list(request: web.Request) -> web.Response:
    """Active alerts first, newest first; live: the page re-reads its table on alert events."""
    identity, csrf = await session.check(request)
    context = await _alerts_context(request, dict(request.query))
    context["can_ack"] = _may(identity, "POST", ACK_ROUTE)
    return render(request, "alerts.html", context, identity, csrf)


async def acknowledge_alert(request: web.Request) -> web.Response:
    """The API's acknowledgement (``routes.alerts.record_ack``): stored once, published,
    audited; back to the list it came from, or the list with the reason it was refused."""
    identity, csrf = await session.check(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    session.check_csrf(csrf, form)
    alert = request.match_info["alertId"]
    note = form.get("note", "").strip() or None
    back = {k: form[k] for k in ("station", "state", "ack") if form.get(k)}
    try:
        if not alert_routes.ALERT_ID.fullmatch(alert):
            raise ApiError(404, "Unknown alert", alert[:40])
        if note is not None and len(note) > alert_routes.MAX_NOTE:
            raise ApiError(422, f"A note has at most {alert_routes.MAX_NOTE} characters")
        await alert_routes.record_ack(request, alert, note)
    except ApiError as exc:
        context = await _alerts_context(request, back)
        context["can_ack"] = True
        by = exc.detail.get("by") if isinstance(exc.detail, dict) else None
        text = f"{exc.error} (by {by})" if by else exc.error
        context["error"] = {"status": exc.status, "text": text}
        return render(request, "alerts.html", context, identity, csrf, status=exc.status)
    location = "/console/alerts?" + urlencode({**back, "acked": alert})
    return web.Response(status=303, headers={"Location": location})


async def site_list(request: web.Request) -> web.Response:
    identity, csrf = await session.check(request)
    page = page_number(request.query.get("page"))
    docs = await sites.list_all(request.app[DB], PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    rows = [await site_routes.view(request, d) for d in docs[:PAGE_SIZE]]
    context = {"rows": rows, "page": page, "more": len(docs) > PAGE_SIZE}
    return render(request, "sites.html", context, identity, csrf)


async def site_page(request: web.Request) -> web.Response:
    """The site as ``GET /api/v1/sites/{siteId}`` shows it, with its allocations drawn."""
    identity, csrf = await session.check(request)
    doc = await sites.get(request.app[DB], site_routes.site_id(request))
    if doc is None:
        raise ApiError(404, "Unknown site", request.match_info["siteId"])
    site = await site_routes.view(request, doc)
    bars = charts.site_bars(site["allocations"], site["effectiveLimit"], site["allocatedCurrent"])
    return render(request, "site.html", {"site": site, "bars": bars}, identity, csrf)


ROUTES = [
    web.get("/", root),
    web.get("/console/login", login_page),
    web.post("/console/login", login),
    web.post("/console/logout", logout),
    web.get("/console/static/{name}", static),
    web.get("/console/", dashboard),
    web.get("/console/stations", station_list),
    web.post("/console/stations", register_station),
    web.get("/console/stations/{id}", station_page),
    web.post("/console/stations/{id}/command", command),
    web.get("/console/transactions", transaction_list),
    web.get("/console/transactions/{id}/{transactionId}", transaction_page),
    web.get("/console/alerts", alert_list),
    web.post(ACK_ROUTE, acknowledge_alert),
    web.get("/console/sites", site_list),
    web.get("/console/sites/{siteId}", site_page),
    web.get("/console/events", events),
    *station_sections.ROUTES,
    *admin_pages.ROUTES,
]
