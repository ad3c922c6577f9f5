"""The station page's tabs without a browser: each renders for a viewer what the JSON API
holds for the station (rows made through the API and a real OCPP station), the device
model and the security events filter and page on the server, and bad or unknown station
ids are refused. The paging and filtering decisions are tested alone first."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import orjson
from ocpp.v201 import call
from pymongo.asynchronous.database import AsyncDatabase

from api.console import paging, station_sections
from api.console.station_sections import Page, matching_variables, paged
from shared import names
from tests.cluster import Cluster
from tests.conftest import Api
from tests.console.test_session import _login, _session
from tests.operated_station import OperatedStation
from tests.test_charging_profiles import put_profile
from tests.test_display_messages import message
from tests.test_end_to_end import eventually
from tests.test_monitoring import POWER, monitor, set_monitors
from tests.test_ocpp21 import raw21
from tests.test_reservations import reserve
from tests.workers.fixtures_21 import REQUESTS_21, SEND_21

SECTIONS = [
    "device-model",
    "security-events",
    "certificates",
    "charging",
    "reservations",
    "display-messages",
    "monitors",
    "ocpp21",
]

# --- paging and filtering, without sockets --------------------------------------------------


def test_a_page_number_from_the_query_is_a_bounded_positive_integer():
    assert [paging.page_number(t) for t in (None, "", "x", "0", "-3", "7")] == [
        1,
        1,
        1,
        1,
        1,
        7,
    ]
    assert paging.page_number("99999999") == paging.MAX_PAGE


def test_pages_link_the_ends_and_the_neighbourhood_with_gaps_marked():
    assert paged(0, 1) == Page(1, 1, 0)
    assert paged(50, 1).pages == 1 and paged(51, 1).pages == 2
    assert paged(120, 9) == Page(3, 3, 120)  # past the end: the last page
    assert paged(120, 3).skip == 100
    assert paged(1000, 1).links == [1, 2, 3, None, 20]
    assert paged(1000, 10).links == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert paged(1000, 4).links == [1, 2, 3, 4, 5, 6, None, 20]
    assert paged(1000, 20).links == [1, None, 18, 19, 20]
    assert paged(10, 1).links == [1]


def test_variables_match_their_component_and_variable_text_case_insensitively():
    def entry(component: dict[str, Any], variable: dict[str, Any]) -> dict[str, Any]:
        return {"component": component, "variable": variable, "attributes": []}

    entries = [
        entry({"name": "EVSE", "evse": {"id": 2, "connectorId": 1}}, {"name": "Power"}),
        entry({"name": "SecurityCtrlr"}, {"name": "BasicAuthPassword"}),
        entry({"name": "EVSE", "evse": {"id": 1}}, {"name": "Power", "instance": "Max"}),
        entry({"name": "OCPPCommCtrlr", "instance": "2"}, {"name": "RetryBackOffWaitMinimum"}),
    ]
    labels = [
        (r["componentLabel"], r["variableLabel"]) for r in matching_variables(entries, "", "")
    ]
    assert labels == [
        ("EVSE@1", "Power[Max]"),
        ("EVSE@2.1", "Power"),
        ("OCPPCommCtrlr[2]", "RetryBackOffWaitMinimum"),
        ("SecurityCtrlr", "BasicAuthPassword"),
    ]
    assert [r["componentLabel"] for r in matching_variables(entries, "evse", "max")] == ["EVSE@1"]
    assert [r["variableLabel"] for r in matching_variables(entries, "", "RETRY")] == [
        "RetryBackOffWaitMinimum"
    ]
    assert matching_variables(entries, "security", "power") == []


def test_stored_times_read_as_ocpp_text_at_any_depth():
    at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    shown = station_sections.with_text_times({"a": at, "b": [{"c": at}, 1], "d": "x"})
    assert shown == {
        "a": "2026-06-01T12:00:00.000Z",
        "b": [{"c": "2026-06-01T12:00:00.000Z"}, 1],
        "d": "x",
    }


# --- the tabs on the real cluster -----------------------------------------------------------


async def _page(http: aiohttp.ClientSession, url: str, status: int = 200) -> str:
    async with http.get(url) as r:
        text = await r.text()
        assert r.status == status, text[:500]
        return text


def _rows(page: str, kind: str) -> list[str]:
    return re.findall(rf'data-{kind}-row="([^"]*)"', page)


async def test_the_device_model_is_filtered_and_paged_as_the_api_lists_it(
    api: Api, operated: OperatedStation, station: str, console_url: str, role_keys: dict[str, str]
):
    report = [
        {
            "component": {"name": "TabsCtrlr"},
            "variable": {"name": f"Var{n:02d}"},
            "variable_attribute": [{"type": "Actual", "value": f"value-{n}"}],
        }
        for n in range(60)
    ]
    report.append(
        {
            "component": {"name": "NeedleCtrlr", "evse": {"id": 1}},
            "variable": {"name": "Haystack"},
            "variable_attribute": [{"type": "Target", "value": "found-it"}],
        }
    )
    await operated.call(
        call.NotifyReport(
            request_id=4711, generated_at=_at(0), seq_no=0, tbc=False, report_data=report
        )
    )

    async def reported() -> Any:
        status, body = await api.request("GET", f"/stations/{station}/device-model")
        names_ = {v["variable"]["name"] for v in body["variables"]} if status == 200 else set()
        return body["variables"] if {"Var59", "Haystack"} <= names_ else None

    listed = await eventually(reported)
    base = f"{console_url}/stations/{station}/device-model"
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        page = await _page(http, base)
        assert f"{len(listed)} of {len(listed)} variables" in page
        first = await _page(http, f"{base}?component=tabs")
        rows = _rows(first, "variable")
        assert rows == [f"TabsCtrlr/Var{n:02d}" for n in range(50)]
        assert "value-0" in first and 'data-page-link="2"' in first
        assert re.search(r'href="\?component=tabs&amp;variable=&amp;page=2"', first)
        second = await _page(http, f"{base}?component=tabs&page=2")
        assert _rows(second, "variable") == [f"TabsCtrlr/Var{n:02d}" for n in range(50, 60)]
        past = await _page(http, f"{base}?component=tabs&page=9")
        assert _rows(past, "variable") == _rows(second, "variable")
        one = await _page(http, f"{base}?component=TABS&variable=var07")
        assert _rows(one, "variable") == ["TabsCtrlr/Var07"] and "data-page-link" not in one
        needle = await _page(http, f"{base}?variable=hay")
        assert _rows(needle, "variable") == ["NeedleCtrlr@1/Haystack"]
        assert "Target</span> found-it" in needle
        none = await _page(http, f"{base}?component=no-such-component")
        assert _rows(none, "variable") == [] and "No variable matches." in none


def _at(seconds: int) -> str:
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    return (start + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


async def test_security_events_are_newest_first_and_paged_as_the_api_lists_them(
    api: Api,
    db: AsyncDatabase[Any],
    operated: OperatedStation,
    station: str,
    console_url: str,
    role_keys: dict[str, str],
):
    for n in range(52):  # sent out of order: the page sorts by the station's timestamp
        seq = (n * 7) % 52
        await operated.call(
            call.SecurityEventNotification(
                type=f"TabsEvent{seq:02d}", timestamp=_at(seq), tech_info=f"info-{seq}"
            )
        )

    async def stored() -> Any:
        found = await db[names.SECURITY_EVENTS].count_documents({"station": station})
        return found >= 52

    await eventually(stored)
    base = f"{console_url}/stations/{station}/security-events"
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        first = await _page(http, base)
        rows = [r for r in _rows(first, "security-event") if r.startswith("TabsEvent")]
        assert rows == [f"TabsEvent{n:02d}" for n in range(51, 1, -1)]
        assert "info-51" in first and 'data-page-link="2"' in first
        second = await _page(http, f"{base}?page=2")
        later = [r for r in _rows(second, "security-event") if r.startswith("TabsEvent")]
        assert later == ["TabsEvent01", "TabsEvent00"]
    status, body = await api.request("GET", f"/stations/{station}/security-events?limit=50")
    assert status == 200, body
    assert [e["type"] for e in body["securityEvents"]] == _rows(first, "security-event")
    assert body["total"] == 52 and body["securityEvents"][0]["techInfo"] == "info-51"
    assert body["securityEvents"][0]["timestamp"] == "2026-06-01T12:00:51.000Z"
    status, _ = await api.request("GET", "/stations/CS-NOT-REGISTERED/security-events")
    assert status == 404


async def test_the_ocpp21_tab_shows_kept_messages_and_streams_as_the_api_does(
    api: Api, cluster: Cluster, station: str, console_url: str, role_keys: dict[str, str]
):
    async with raw21(cluster.ws_url, station) as raw:
        for action in ("BatterySwap", "OpenPeriodicEventStream"):
            await raw.call(action, REQUESTS_21[action])
        frame = [6, "tab-send", "NotifyPeriodicEventStream", SEND_21["NotifyPeriodicEventStream"]]
        await raw.send(orjson.dumps(frame).decode())
        await raw.send(orjson.dumps([5, "tab-their-call", "FormatViolation", "no", {}]).decode())
        await raw.call("Heartbeat", {})

    async def streamed() -> Any:
        status, body = await api.request("GET", f"/stations/{station}/event-streams/3")
        _, kept = await api.request("GET", f"/stations/{station}/messages")
        return status == 200 and body["parts"] and len(kept["messages"]) == 3

    assert await eventually(streamed)
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        page = await _page(http, f"{console_url}/stations/{station}/ocpp21")
    assert _rows(page, "stream") == ["3"]
    assert "230.1, 229.8" in page
    assert _rows(page, "ocpp21") == ["CALLRESULTERROR", "OpenPeriodicEventStream", "BatterySwap"]
    assert "to tab-their-call" in page
    status, body = await api.request("GET", f"/stations/{station}/messages")
    assert status == 200
    assert [m["action"] for m in body["messages"]] == _rows(page, "ocpp21")


async def test_charging_reservations_messages_monitors_and_certificates_show_the_api_s_rows(
    api: Api, operated: OperatedStation, station: str, console_url: str, role_keys: dict[str, str]
):
    status, profile = await put_profile(api, station, profile_id=31, level=3)
    assert status == 201, profile
    await operated.call(
        call.NotifyChargingLimit(
            evse_id=1, charging_limit={"charging_limit_source": "EMS", "is_grid_critical": True}
        )
    )
    site = "tabs-" + uuid.uuid4().hex[:8]
    status, body = await api.request(
        "PUT", f"/sites/{site}", {"name": "Tabs depot", "maxCurrent": 40.0, "stations": [station]}
    )
    assert status in (200, 201), body
    status, reservation = await reserve(api, station, evseId=1)
    assert status == 201, reservation
    status, shown = await api.request(
        "POST", f"/stations/{station}/display-messages", message("Hello from the tabs")
    )
    assert status == 201, shown
    status, monitors = await set_monitors(api, station, monitor(POWER, "UpperThreshold", 22000))
    assert status == 200, monitors
    monitor_id = monitors["monitors"][0]["monitorId"]
    station_url = f"{console_url}/stations/{station}"
    try:
        async with _session() as http:
            await _login(http, console_url, role_keys["viewer"])
            certificates = await _page(http, f"{station_url}/certificates")
            assert (
                _rows(certificates, "installed") == [] and 'id="installed-unknown"' in certificates
            )
            status, _ = await api.request("POST", f"/stations/{station}/certificates/refresh")
            assert status == 200
            certificates = await _page(http, f"{station_url}/certificates")
            assert _rows(certificates, "installed") == ["CSMSRootCertificate/1f"]
            assert re.search(
                r"\(Accepted\) at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<", certificates
            )

            async def limit_shown() -> Any:
                page = await _page(http, f"{station_url}/charging")
                return page if _rows(page, "limit") == ["1/EMS"] else None

            charging = await eventually(limit_shown)
            assert _rows(charging, "profile") == ["31"]
            assert '"limit": 16.0' in charging  # the schedule, as the API holds it
            assert f'data-site-link="{site}"' in charging and "Tabs depot" in charging
            assert f'href="/console/sites/{site}"' in charging

            page = await _page(http, f"{station_url}/reservations")
            assert _rows(page, "reservation") == [str(reservation["id"])]
            assert "RES-TOKEN-1" in page and reservation["status"] in page
            page = await _page(http, f"{station_url}/display-messages")
            assert _rows(page, "message") == [str(shown["messageId"])]
            assert "Hello from the tabs" in page
            page = await _page(http, f"{station_url}/monitors")
            assert _rows(page, "monitor") == [str(monitor_id)]
            assert "UpperThreshold" in page and "<td>EVSE@1</td>" in page
    finally:
        await api.request("DELETE", f"/sites/{site}")


async def test_every_tab_is_linked_from_the_overview_and_refuses_bad_or_unknown_stations(
    station: str, console_url: str, role_keys: dict[str, str]
):
    routed = sorted(
        r.path.removeprefix("/console/stations/{id}/")  # type: ignore[attr-defined]
        for r in station_sections.ROUTES
    )
    assert routed == sorted(SECTIONS)
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        overview = await _page(http, f"{console_url}/stations/{station}")
        links = re.findall(r'<a data-tab="([^"]+)" href="([^"]+)"', overview)
        assert links[0] == ("overview", f"/console/stations/{station}")
        assert [t for t, _ in links[1:]] == SECTIONS
        current = r'<a data-tab="([^"]+)" href="[^"]+" aria-current="page"'
        assert re.findall(current, overview) == ["overview"]
        for section in SECTIONS:
            page = await _page(http, f"{console_url}/stations/{station}/{section}")
            assert re.findall(current, page) == [section]
            assert len(re.findall(r'aria-current="page"', page)) == 2  # the nav's and the tab's
            await _page(http, f"{console_url}/stations/bad%20id/{section}", 400)
            unknown = "CS-NOT-THERE-" + uuid.uuid4().hex[:6]
            await _page(http, f"{console_url}/stations/{unknown}/{section}", 404)


async def test_a_tab_needs_a_session(console_url: str, station: str):
    async with _session() as http:
        for section in SECTIONS:
            url = f"{console_url}/stations/{station}/{section}"
            async with http.get(url, allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"].startswith("/console/login")
