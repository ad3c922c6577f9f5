"""The console without a browser: login and logout, the session cookie, CSRF, roles, the
audit of what changes state, the command path and the live stream."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import orjson
import pytest
from ocpp.v201 import call

from api.console import forms
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.operated_station import OperatedStation
from tests.simulator import sim_station


def _session() -> aiohttp.ClientSession:
    # unsafe: the cookie jar keeps cookies of an IP address host (127.0.0.1)
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _login(http: aiohttp.ClientSession, console_url: str, key: str) -> str:
    """Log in; the CSRF token of the session, read from the dashboard."""
    async with http.post(f"{console_url}/login", data={"key": key}, allow_redirects=False) as r:
        assert r.status == 303, await r.text()
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Max-Age" not in cookie and "expires" not in cookie.lower()
    async with http.get(f"{console_url}/") as r:
        assert r.status == 200
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', await r.text())
    assert match
    return match.group(1)


async def test_pages_without_a_session_redirect_to_the_login(console_url: str):
    async with _session() as http:
        async with http.get(console_url.removesuffix("/console") + "/", allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/console/"
        for page in ("/", "/stations", "/stations/CS-1"):
            async with http.get(console_url + page, allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"].startswith("/console/login")
        async with http.get(f"{console_url}/events") as r:
            assert r.status == 401
        async with http.get(f"{console_url}/login") as r:
            assert r.status == 200 and "API key" in await r.text()
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        for name in ("console.css", "console.js"):
            async with http.get(f"{console_url}/static/{name}") as r:
                assert r.status == 200
        async with http.get(f"{console_url}/static/other.txt") as r:
            assert r.status == 404


async def test_a_wrong_key_is_refused_and_logout_needs_the_csrf_token(
    console_url: str, role_keys: dict[str, str]
):
    async with _session() as http:
        async with http.post(f"{console_url}/login", data={"key": "csms_nope"}) as r:
            assert r.status == 401 and "Unknown or revoked" in await r.text()
        csrf = await _login(http, console_url, role_keys["viewer"])
        async with http.post(f"{console_url}/logout", data={}) as r:
            assert r.status == 403
        async with http.post(
            f"{console_url}/logout", data={"csrf": csrf}, allow_redirects=False
        ) as r:
            assert r.status == 303
        async with http.get(f"{console_url}/", allow_redirects=False) as r:
            assert r.status == 303


async def test_a_viewer_sees_no_command_panel_and_may_not_post_one(
    console_url: str, role_keys: dict[str, str], station: str
):
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["viewer"])
        async with http.get(f"{console_url}/stations/{station}") as r:
            page = await r.text()
            assert r.status == 200 and station in page and "command-panel" not in page
        form = {"csrf": csrf, "action": "Reset", "type": "Immediate"}
        async with http.post(f"{console_url}/stations/{station}/command", data=form) as r:
            assert r.status == 403


async def test_an_operator_may_not_send_an_admin_command_nor_post_without_csrf(
    console_url: str, role_keys: dict[str, str], station: str
):
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["operator"])
        async with http.get(f"{console_url}/stations/{station}") as r:
            assert "command-panel" in await r.text()
        url = f"{console_url}/stations/{station}/command"
        async with http.post(url, data={"action": "Reset", "type": "Immediate"}) as r:
            assert r.status == 403
        async with http.post(url, data={"csrf": csrf, "action": "UpdateFirmware"}) as r:
            assert r.status == 403


async def test_a_command_goes_the_api_way_and_is_audited(
    api: Api, console_url: str, role_keys: dict[str, str], operated: OperatedStation
):
    station = operated.id
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["operator"])
        url = f"{console_url}/stations/{station}/command"
        form = {"csrf": csrf, "action": "Reset", "type": "Immediate"}
        async with http.post(url, data=form) as r:
            page = await r.text()
            assert r.status == 200 and "command-result" in page and "Accepted" in page
        assert operated.received[-1] == ("Reset", {"type": "Immediate"})
        bad = {"csrf": csrf, "action": "Reset", "type": "Sometime"}
        async with http.post(url, data=bad) as r:
            assert "422" in await r.text()
    status, body = await api.request("GET", f"/audit?station={station}")
    assert status == 200
    mine = [e for e in body["entries"] if e["path"].startswith("/console/")]
    assert {e["role"] for e in mine} == {"operator"} and len(mine) == 2


async def test_the_stream_sends_events_of_the_watched_station(
    console_url: str, role_keys: dict[str, str], station: str, cluster: Cluster
):
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        async with http.get(f"{console_url}/events?station={station}") as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            assert (await stream.content.readline()).startswith(b"retry: ")
            async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
                await cp.boot()
                seen: list[str] = []
                async with asyncio.timeout(15):
                    while "station.booted" not in seen:
                        line = await stream.content.readline()
                        if line.startswith(b"data: "):
                            event = orjson.loads(line[6:])
                            assert event["station"] == station
                            seen.append(event["event"])
            assert "station.connected" in seen


@pytest.mark.parametrize(
    ("action", "form", "expected"),
    [
        ("Reset", {"type": "OnIdle", "evseId": ""}, {"type": "OnIdle"}),
        ("Reset", {"type": "Immediate", "evseId": "2"}, {"type": "Immediate", "evseId": 2}),
        ("UnlockConnector", {"evseId": "1", "connectorId": "1"}, {"evseId": 1, "connectorId": 1}),
        (
            "TriggerMessage",
            {"requestedMessage": "Heartbeat", "evse.id": "1", "evse.connectorId": ""},
            {"requestedMessage": "Heartbeat", "evse": {"id": 1}},
        ),
        ("Reset", {forms.RAW: '{"type": "Immediate"}', "type": "OnIdle"}, {"type": "Immediate"}),
    ],
)
def test_a_form_becomes_the_request_its_schema_describes(action, form, expected):
    assert forms.payload(action, form) == expected


def test_fields_follow_the_official_schema():
    reset = {f.name: f for f in forms.fields("Reset")}
    assert reset["type"].kind == "enum" and reset["type"].required
    assert set(reset["type"].options) == {"Immediate", "OnIdle"}
    assert reset["evseId"].kind == "integer" and not reset["evseId"].required
    trigger = {f.name: f for f in forms.fields("TriggerMessage")}
    assert trigger["evse"].kind == "object"
    assert [c.name for c in trigger["evse"].children] == ["evse.id", "evse.connectorId"]
    variables = {f.name: f for f in forms.fields("SetVariables")}
    assert variables["setVariableData"].kind == "json"
    with pytest.raises(forms.FormError):
        forms.payload("Reset", {"type": "Immediate", "evseId": "two"})


async def test_the_station_list_searches_filters_sorts_and_pages_on_the_server(
    api: Api, console_url: str, role_keys: dict[str, str], operated: OperatedStation
):
    prefix = "CS-LIST-" + operated.id[-6:]
    for n in range(3):
        await api.register(f"{prefix}-{n}")
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])

        async def rows(query: str) -> list[str]:
            async with http.get(f"{console_url}/stations?{query}") as r:
                assert r.status == 200
                return re.findall(r'data-station-row="([^"]+)"', await r.text())

        assert await rows(f"q={prefix}") == [f"{prefix}-{n}" for n in range(3)]
        assert await rows(f"q={prefix}&sort=-id") == [f"{prefix}-{n}" for n in (2, 1, 0)]
        assert await rows(f"q={prefix}&status=online") == []
        assert await rows(f"q={prefix}&status=offline&page=2") == []
        assert await rows(f"q={operated.id}&status=online") == [operated.id]
        assert await rows(f"q={operated.id}&status=offline") == []


async def test_the_station_list_filters_by_site_model_and_firmware_and_shows_them(
    api: Api, cluster: Cluster, console_url: str, role_keys: dict[str, str], station: str
):
    prefix = f"{station}-F"
    ids = [f"{prefix}{n}" for n in range(3)]
    for sid in ids:
        await api.register(sid, PASSWORD)
    async with sim_station(cluster.ws_url, ids[0], PASSWORD) as cp:
        await cp.boot()  # TestVendor SimCharger, firmware 1.0
    async with sim_station(cluster.ws_url, ids[1], PASSWORD) as cp:
        other = {"model": "Other", "vendor_name": "V2", "firmware_version": "2.0"}
        answer = await cp.call(call.BootNotification(charging_station=other, reason="PowerUp"))
        assert answer.status == "Accepted"
    site = f"SITE-{prefix}"
    status, body = await api.request(
        "PUT", f"/sites/{site}", {"stations": ids[1:], "maxCurrent": 32.0}
    )
    assert status == 201, body
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])

        async def rows(query: str) -> list[str]:
            async with http.get(f"{console_url}/stations?q={prefix}&{query}") as r:
                assert r.status == 200
                return re.findall(r'data-station-row="([^"]+)"', await r.text())

        assert await rows("model=SimCharger") == ids[:1]
        assert await rows("firmware=2.0") == ids[1:2]
        assert await rows("model=SimCharger&firmware=2.0") == []
        assert await rows(f"site={site}") == ids[1:]
        assert await rows(f"site={site}&model=Other") == ids[1:2]
        assert await rows(f"site={site}&status=offline&sort=-id") == ids[:0:-1]
        assert await rows("site=NO-SUCH-SITE") == []
        async with http.get(f"{console_url}/stations?q={prefix}&site={site}") as r:
            page = await r.text()
        assert "V2 Other" in page and f'href="/console/sites/{site}"' in page
        # The sort link keeps the filters (and leaves out the empty ones).
        assert f"site={site}&amp;sort=-id" in page and "model=&amp;" not in page


async def test_a_site_page_streams_that_site_s_events_only(
    api: Api, console_url: str, role_keys: dict[str, str], station: str
):
    watched, other = f"SITE-W-{station}", f"SITE-O-{station}"
    for site in (watched, other):
        status, body = await api.request("PUT", f"/sites/{site}", {"maxCurrent": 32.0})
        assert status == 201, body
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        async with http.get(f"{console_url}/events?site=bad%20id") as r:
            assert r.status == 400
        async with http.get(f"{console_url}/events?site={watched}") as stream:
            assert (await stream.content.readline()).startswith(b"retry: ")
            for site in (other, watched):
                status, _ = await api.request("PUT", f"/sites/{site}", {"maxCurrent": 20.0})
                assert status == 200
            async with asyncio.timeout(15):
                while not (line := await stream.content.readline()).startswith(b"data: "):
                    pass
            event = orjson.loads(line[6:])
            assert event["site"] == watched and event["event"].startswith("site."), event


async def test_an_admin_registers_a_station_from_the_list_and_it_connects(
    cluster: Cluster, console_url: str, role_keys: dict[str, str], station: str
):
    url = f"{console_url}/stations"
    station = f"{station}-R"  # the fixture's station is registered already
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["operator"])
        async with http.get(url) as r:
            assert 'id="register-form"' not in await r.text()
        async with http.post(url, data={"csrf": csrf, "id": station, "generate": "on"}) as r:
            assert r.status == 403

        csrf = await _login(http, console_url, role_keys["admin"])
        async with http.post(url, data={"id": station, "generate": "on"}) as r:
            assert r.status == 403  # no CSRF token
        for form, status in (
            ({"id": "bad id"}, 400),
            ({"id": station, "password": "short"}, 422),
            ({"id": station, "password": "p" * 20, "generate": "on"}, 422),
        ):
            async with http.post(url, data={"csrf": csrf, **form}) as r:
                page = await r.text()
                assert r.status == status and 'id="register-error"' in page, (form, page)
        async with http.post(
            url, data={"csrf": csrf, "id": station, "generate": "on", "securityProfile": "1"}
        ) as r:
            page = await r.text()
            assert r.status == 201 and "Registered" in page, page
            password = re.findall(r'id="registered-password">([^<]+)<', page)[0]
        # With the operator's own password: nothing to show but the station.
        form = {"csrf": csrf, "id": f"{station}2", "password": PASSWORD}
        async with http.post(url, data=form) as r:
            page = await r.text()
            assert r.status == 201 and "registered-password" not in page, page
    async with sim_station(cluster.ws_url, station, password) as cp:
        assert (await cp.boot()).status == "Accepted"
    async with sim_station(cluster.ws_url, f"{station}2", PASSWORD) as cp:
        assert (await cp.boot()).status == "Accepted"
