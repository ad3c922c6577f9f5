"""The station page's other tabs: device model, security events, certificates, charging,
reservations, display messages, monitors and what an OCPP 2.1 station sent beyond 2.0.1.
Each reads what the JSON API's route reads and shows it through that route's own view
function, so the console and the API never differ.

Read-only: an operator acts on these through the overview's command panel.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from shared.events import iso
from store import (
    charging_limits,
    charging_profiles,
    device_model,
    display_messages,
    monitors,
    ocpp21,
    records,
    reservations,
    sites,
    stations,
)

from .. import auth
from ..errors import ApiError
from ..keys import DB
from ..routes import certificates as certificate_routes
from ..routes import charging_profiles as profile_routes
from ..routes import display_messages as message_routes
from ..routes import monitors as monitor_routes
from ..routes import ocpp21 as ocpp21_routes
from ..routes import reservations as reservation_routes
from ..routes import security as security_routes
from ..routes import sites as site_routes
from ..routes.stations import station_id
from . import session
from .paging import PAGE_SIZE, more_page, page_number
from .render import render

MAX_FILTER = 200  # characters of a filter kept: more than any label (names are 50 at most)
LINKS_AROUND = 2  # page links either side of the current one


# --- pure decisions (tested without sockets) ------------------------------------------------


@dataclass(frozen=True)
class Page:
    number: int
    pages: int
    total: int

    @property
    def skip(self) -> int:
        return (self.number - 1) * PAGE_SIZE

    @property
    def links(self) -> list[int | None]:
        """Page numbers to link: the first, the last and those near the current one, with
        None where some are left out (shown as an ellipsis)."""
        low = max(1, self.number - LINKS_AROUND)
        near = range(low, min(self.pages, self.number + LINKS_AROUND) + 1)
        wanted = sorted({1, self.pages, *near})
        out: list[int | None] = []
        for n in wanted:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paged(total: int, requested: int) -> Page:
    """The page to show of ``total`` rows: past the last page shows the last one."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return Page(min(requested, pages), pages, total)


def component_label(component: dict[str, Any]) -> str:
    """``Name[instance]@evse.connector``, as compact as the OCPP key it stands for."""
    label = str(component.get("name", ""))
    if component.get("instance"):
        label += f"[{component['instance']}]"
    evse = component.get("evse") or {}
    if "id" in evse:
        label += f"@{evse['id']}"
        if "connectorId" in evse:
            label += f".{evse['connectorId']}"
    return label


def variable_label(variable: dict[str, Any]) -> str:
    label = str(variable.get("name", ""))
    return label + (f"[{variable['instance']}]" if variable.get("instance") else "")


def filter_text(text: str | None) -> str:
    return (text or "").strip()[:MAX_FILTER]


def matching_variables(
    variables: Sequence[dict[str, Any]], component: str, variable: str
) -> list[dict[str, Any]]:
    """The device model's entries whose component and variable labels contain the given
    texts (case-insensitive; empty matches all), sorted by those labels."""
    wanted_c, wanted_v = component.casefold(), variable.casefold()
    rows = []
    for entry in variables:
        c = component_label(entry.get("component") or {})
        v = variable_label(entry.get("variable") or {})
        if wanted_c in c.casefold() and wanted_v in v.casefold():
            rows.append({**entry, "componentLabel": c, "variableLabel": v})
    rows.sort(key=lambda r: (r["componentLabel"], r["variableLabel"]))
    return rows


def with_text_times(value: Any) -> Any:
    """``value`` with every datetime as OCPP's text form: the stored documents some API
    routes answer as they are (orjson writes their datetimes) read like the rest here."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: with_text_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_text_times(v) for v in value]
    return value


# --- handlers -------------------------------------------------------------------------------


async def _open(
    request: web.Request, section: str
) -> tuple[tuple[auth.Identity, str], str, dict[str, Any]]:
    """Session, the station (400 for an invalid id, 404 for an unknown one) and the base
    context every tab renders with."""
    identity, csrf = await session.check(request)
    station = station_id(request)
    if await stations.get(request.app[DB], station) is None:
        raise ApiError(404, "Unknown station", station)
    context: dict[str, Any] = {"station": {"id": station}, "section": section}
    return (identity, csrf), station, context


async def device_model_tab(request: web.Request) -> web.Response:
    """All the station's variables (as ``GET .../device-model`` lists them), filtered and
    paged here: a station reports at most a few thousand."""
    who, station, context = await _open(request, "device-model")
    component = filter_text(request.query.get("component"))
    variable = filter_text(request.query.get("variable"))
    everything = await device_model.for_station(request.app[DB], station)
    rows = matching_variables(everything, component, variable)
    page = paged(len(rows), page_number(request.query.get("page")))
    context |= {
        "rows": rows[page.skip : page.skip + PAGE_SIZE],
        "page": page,
        "reported": len(everything),
        "query": {"component": component, "variable": variable},
    }
    return render(request, "station_device_model.html", context, *who)


async def security_events_tab(request: web.Request) -> web.Response:
    who, station, context = await _open(request, "security-events")
    requested = page_number(request.query.get("page"))
    db = request.app[DB]
    docs, total = await records.security_events(db, station, PAGE_SIZE, (requested - 1) * PAGE_SIZE)
    page = paged(total, requested)
    if page.number != requested:  # past the last page: read the last one
        docs, total = await records.security_events(db, station, PAGE_SIZE, page.skip)
    context |= {"rows": [security_routes.event_view(d) for d in docs], "page": page}
    return render(request, "station_security_events.html", context, *who)


async def certificates_tab(request: web.Request) -> web.Response:
    who, station, context = await _open(request, "certificates")
    context |= with_text_times(await certificate_routes.station_view(request.app[DB], station))
    return render(request, "station_certificates.html", context, *who)


def limit_view(doc: dict[str, Any]) -> dict[str, Any]:
    """An external limit (NotifyChargingLimit) as stored, with its times as text."""
    hidden = ("_id", "station", "active", "clearedAt", "clearedBy")
    shown: dict[str, Any] = with_text_times({k: v for k, v in doc.items() if k not in hidden})
    return shown


async def charging_tab(request: web.Request) -> web.Response:
    """What the CSMS holds for the station (every profile, as the validation of a new one
    reads them), the external limits it obeys, and its site with this station's share."""
    who, station, context = await _open(request, "charging")
    db = request.app[DB]
    profiles, limits, site_name = await asyncio.gather(
        charging_profiles.for_station(db, station),
        charging_limits.active_limits_of(db, [station]),
        sites.site_of(db, station),
    )
    site = None
    if site_name is not None and (doc := await sites.get(db, site_name)) is not None:
        site = await site_routes.view(request, doc)
        site["mine"] = [a for a in site["allocations"] if a["stationId"] == station]
    context |= {
        "profiles": [profile_routes.view(d) for d in profiles],
        "limits": sorted(
            (limit_view(d) for d in limits),
            key=lambda x: (x.get("evseId") or 0, x["chargingLimitSource"]),
        ),
        "site": site,
    }
    return render(request, "station_charging.html", context, *who)


async def reservations_tab(request: web.Request) -> web.Response:
    who, station, context = await _open(request, "reservations")
    number = page_number(request.query.get("page"))
    docs = await reservations.list_filtered(
        request.app[DB], station, None, PAGE_SIZE + 1, (number - 1) * PAGE_SIZE
    )
    shown, more = more_page(docs)
    context |= {
        "rows": [await reservation_routes.shown(request, d) for d in shown],
        "number": number,
        "more": more,
    }
    return render(request, "station_reservations.html", context, *who)


async def display_messages_tab(request: web.Request) -> web.Response:
    who, station, context = await _open(request, "display-messages")
    number = page_number(request.query.get("page"))
    docs = await display_messages.for_station(
        request.app[DB], station, PAGE_SIZE + 1, (number - 1) * PAGE_SIZE
    )
    shown, more = more_page(docs)
    context |= {"rows": [message_routes.view(d) for d in shown], "number": number, "more": more}
    return render(request, "station_display_messages.html", context, *who)


async def monitors_tab(request: web.Request) -> web.Response:
    who, station, context = await _open(request, "monitors")
    number = page_number(request.query.get("page"))
    db = request.app[DB]
    docs, settings = await asyncio.gather(
        monitors.for_station(db, station, PAGE_SIZE + 1, (number - 1) * PAGE_SIZE),
        monitors.settings(db, station),
    )
    shown, more = more_page(docs)
    context |= {
        "rows": [monitor_routes.view(d) for d in shown],
        "settings": monitor_routes.settings_view(settings),
        "number": number,
        "more": more,
    }
    return render(request, "station_monitors.html", context, *who)


STREAM_PARTS_SHOWN = 1  # per stream, its newest part: the whole stream is in the API


async def ocpp21_tab(request: web.Request) -> web.Response:
    """OCPP 2.1's own messages (each kept as sent, CALLRESULTERRORs among them) and the
    station's periodic event streams with their newest part."""
    who, station, context = await _open(request, "ocpp21")
    number = page_number(request.query.get("page"))
    db = request.app[DB]
    docs, streams = await asyncio.gather(
        ocpp21.messages(db, station, PAGE_SIZE + 1, (number - 1) * PAGE_SIZE),
        ocpp21.streams(db, station),
    )
    shown, more = more_page(docs)
    rows = []
    for doc in streams:
        parts = await ocpp21.stream_data(db, station, doc["streamId"], STREAM_PARTS_SHOWN)
        rows.append(
            {**ocpp21_routes.stream_view(doc), "parts": [ocpp21_routes.part_view(p) for p in parts]}
        )
    context |= {
        "messages": [ocpp21_routes.message_view(d) for d in shown],
        "streams": rows,
        "number": number,
        "more": more,
    }
    return render(request, "station_ocpp21.html", context, *who)


ROUTES = [
    web.get("/console/stations/{id}/device-model", device_model_tab),
    web.get("/console/stations/{id}/security-events", security_events_tab),
    web.get("/console/stations/{id}/certificates", certificates_tab),
    web.get("/console/stations/{id}/charging", charging_tab),
    web.get("/console/stations/{id}/reservations", reservations_tab),
    web.get("/console/stations/{id}/display-messages", display_messages_tab),
    web.get("/console/stations/{id}/monitors", monitors_tab),
    web.get("/console/stations/{id}/ocpp21", ocpp21_tab),
]
