"""The console's id tokens, local lists, API keys and audit log without a browser: each
page renders what the API stores, filters and pages on the server, and each form needs its
route's role and the session's CSRF token and does what the matching API call does."""

from __future__ import annotations

import re
import uuid
from typing import Any

import aiohttp
import pytest

from api.console import admin_pages, paging
from api.errors import ApiError
from shared import api_keys
from tests.conftest import Api
from tests.console.test_session import _login, _session
from tests.operated_station import OperatedStation
from tests.test_end_to_end import eventually

# Pure helpers


def test_paging_reads_one_row_more_and_bounds_the_page():
    assert paging.window(1) == (51, 0)
    assert paging.window(3) == (51, 100)
    assert paging.more_page(list(range(51))) == (list(range(50)), True)
    assert paging.more_page([1]) == ([1], False)


def test_filters_keep_what_the_store_knows_and_refuse_what_the_api_refuses():
    assert admin_pages.token_filter({"q": " AB ", "status": "Blocked"}) == ("AB", "Blocked")
    assert admin_pages.token_filter({"status": "Whatever"}) == ("", "all")
    assert len(admin_pages.token_filter({"q": "x" * 99})[0]) == 36
    assert admin_pages.audit_filter({"keyId": " k1 "}) == {"station": "", "keyId": "k1"}
    with pytest.raises(ApiError) as refused:
        admin_pages.audit_filter({"station": "s" * 65})
    assert refused.value.status == 400


def test_a_form_becomes_the_put_body_and_a_stored_token_the_form():
    assert admin_pages.lines("A\n B, C\n\n,D ") == ["A", "B", "C", "D"]
    assert admin_pages.lines("A\nA") == ["A", "A"]  # the API refuses the repeat, not us
    form = {
        "idToken": "T1",
        "type": "ISO14443",
        "status": "Blocked",
        "expiresAt": "",
        "groupIdToken": "G1",
        "groupType": "Central",
        "messageFormat": "UTF8",
        "messageContent": "Hello",
        "messageLanguage": "",
    }
    body = admin_pages.token_body(form)
    assert body == {
        "type": "ISO14443",
        "status": "Blocked",
        "groupIdToken": {"idToken": "G1", "type": "Central"},
        "personalMessage": {"format": "UTF8", "content": "Hello"},
    }
    view = {"idToken": "T1", **body, "expiresAt": None}
    assert admin_pages.token_form(view) == form
    stations = {"A": {"status": "InSync"}, "B": {"status": "Failed"}, "C": {"status": "Failed"}}
    assert admin_pages.sync_counts(stations) == {"InSync": 1, "Updating": 0, "Failed": 2}


def test_a_refusal_names_what_the_api_named():
    taken = ApiError(409, "Stations already in another list", {"CS-1": "L-2"})
    assert admin_pages.refusal(taken) == {
        "status": 409,
        "text": "Stations already in another list: CS-1 (L-2)",
    }
    assert admin_pages.refusal(ApiError(422, "Unknown idTokens", ["A", "B"]))["text"] == (
        "Unknown idTokens: A, B"
    )
    assert admin_pages.refusal(ApiError(404, "Unknown API key"))["text"] == "Unknown API key"


# Against the servers


def _rows(page: str, name: str) -> list[str]:
    return re.findall(rf'data-{name}-row="([^"]+)"', page)


async def _get(http: aiohttp.ClientSession, url: str, status: int = 200) -> str:
    async with http.get(url, allow_redirects=False) as r:
        page = await r.text()
        assert r.status == status, page[:2000]
        return page


async def _post(
    http: aiohttp.ClientSession, url: str, form: dict[str, str], status: int = 303
) -> tuple[str, str]:
    """The answer's page and Location."""
    async with http.post(url, data=form, allow_redirects=False) as r:
        page = await r.text()
        assert r.status == status, page[:2000]
        return page, r.headers.get("Location", "")


async def _token(api: Api, token: str, **fields: Any) -> None:
    status, body = await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443", **fields})
    assert status in (200, 201), body


async def test_id_tokens_are_searched_filtered_and_paged_on_the_server(
    api: Api, console_url: str, role_keys: dict[str, str]
):
    prefix = "CT" + uuid.uuid4().hex[:8].upper()
    tokens = [f"{prefix}-{n:02}" for n in range(52)]
    for n, token in enumerate(tokens):
        await _token(api, token, status="Blocked" if n % 10 == 3 else "Accepted")
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        first = await _get(http, f"{console_url}/id-tokens?q={prefix}")
        assert _rows(first, "token") == tokens[:50] and 'id="next-page"' in first
        second = await _get(http, f"{console_url}/id-tokens?q={prefix}&page=2")
        assert _rows(second, "token") == tokens[50:] and 'id="next-page"' not in second
        blocked = await _get(http, f"{console_url}/id-tokens?q={prefix}&status=Blocked")
        assert _rows(blocked, "token") == [t for n, t in enumerate(tokens) if n % 10 == 3]
        assert set(re.findall(r'data-status="([^"]+)"', blocked)) == {"Blocked"}
        one = await _get(http, f"{console_url}/id-tokens?q={prefix}-07")
        assert _rows(one, "token") == [f"{prefix}-07"]
        assert 'id="token-form"' not in first  # a viewer may not change tokens


async def test_a_token_page_shows_its_info_and_the_lists_naming_it(
    api: Api, console_url: str, role_keys: dict[str, str], station: str
):
    token, list_id = "CT-" + uuid.uuid4().hex[:8], "CL-" + uuid.uuid4().hex[:8]
    await _token(
        api,
        token,
        status="Expired",
        expiresAt="2030-01-02T03:04:05Z",
        groupIdToken={"idToken": "GROUP-X", "type": "Central"},
        personalMessage={"format": "UTF8", "content": "Bonjour", "language": "fr"},
    )
    body = {"idTokens": [token], "stations": [station]}
    status, _ = await api.request("PUT", f"/local-lists/{list_id}", body)
    assert status == 201
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        page = await _get(http, f"{console_url}/id-tokens/{token}")
        assert re.search(r'data-field="status">Expired<', page)
        assert "2030-01-02T03:04:05" in page and "GROUP-X" in page and "Bonjour" in page
        assert re.findall(r'data-list="([^"]+)"', page) == [list_id]
        assert 'id="token-form"' not in page and 'id="token-delete"' not in page
        await _get(http, f"{console_url}/id-tokens/NO-SUCH-{token}", 404)


async def test_an_operator_adds_updates_and_deletes_a_token_through_the_forms(
    api: Api, console_url: str, role_keys: dict[str, str]
):
    token = "CT-" + uuid.uuid4().hex[:8]
    form = {"idToken": token, "type": "eMAID", "status": "Accepted"}
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["viewer"])
        await _post(http, f"{console_url}/id-tokens", {**form, "csrf": csrf}, 403)
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["operator"])
        assert 'id="token-form"' in await _get(http, f"{console_url}/id-tokens")
        await _post(http, f"{console_url}/id-tokens", form, 403)  # no CSRF token
        _, location = await _post(http, f"{console_url}/id-tokens", {**form, "csrf": csrf})
        assert location == f"/console/id-tokens/{token}?saved=created"
        status, stored = await api.request("GET", f"/id-tokens/{token}")
        assert status == 200 and stored["type"] == "eMAID" and stored["status"] == "Accepted"

        page = await _get(http, f"{console_url}/id-tokens/{token}")
        assert 'id="token-form"' in page and 'id="token-delete"' in page
        bad = {**form, "csrf": csrf, "expiresAt": "tomorrow"}
        page, _ = await _post(http, f"{console_url}/id-tokens", bad, 422)
        assert 'id="form-error"' in page and "RFC 3339" in page
        update = {**form, "csrf": csrf, "status": "Blocked", "messageContent": "Ask staff"}
        update["messageFormat"] = "ASCII"
        _, location = await _post(http, f"{console_url}/id-tokens", update)
        assert location.endswith("?saved=updated")
        _, stored = await api.request("GET", f"/id-tokens/{token}")
        assert stored["status"] == "Blocked"
        assert stored["personalMessage"] == {"format": "ASCII", "content": "Ask staff"}

        delete = f"{console_url}/id-tokens/{token}/delete"
        await _post(http, delete, {}, 403)
        _, location = await _post(http, delete, {"csrf": csrf})
        assert location == f"/console/id-tokens?deleted={token}"
        status, _ = await api.request("GET", f"/id-tokens/{token}")
        assert status == 404
        page, _ = await _post(http, delete, {"csrf": csrf}, 404)
        assert "Unknown idToken" in page
    _, audit = await api.request("GET", "/audit?limit=1000")
    mine = [e for e in audit["entries"] if token in e["path"] or e["path"] == "/console/id-tokens"]
    assert {(e["method"], e["role"]) for e in mine} >= {("POST", "operator")}
    assert any(e["path"] == f"/console/id-tokens/{token}/delete" for e in mine)


async def _sync_state(api: Api, list_id: str, station: str, status: str) -> dict[str, Any]:
    async def reached() -> Any:
        _, shown = await api.request("GET", f"/local-lists/{list_id}")
        state = shown["stations"][station]
        return state if state["status"] == status else None

    state = await eventually(reached)
    assert state, f"{station} never reached {status}"
    return dict(state)


async def test_local_lists_show_members_and_sync_state_and_an_operator_pushes_one(
    api: Api, console_url: str, role_keys: dict[str, str], operated: OperatedStation
):
    station = operated.id
    list_id, token = "CL-" + uuid.uuid4().hex[:8], "CT-" + uuid.uuid4().hex[:8]
    await _token(api, token)
    form = {"listId": list_id, "idTokens": token, "stations": station}
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["viewer"])
        assert 'id="list-form"' not in await _get(http, f"{console_url}/local-lists")
        await _post(http, f"{console_url}/local-lists", {**form, "csrf": csrf}, 403)
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["operator"])
        await _post(http, f"{console_url}/local-lists", form, 403)  # no CSRF token
        unknown = {**form, "csrf": csrf, "idTokens": f"{token}\nNO-SUCH-TOKEN"}
        page, _ = await _post(http, f"{console_url}/local-lists", unknown, 422)
        assert "Unknown idTokens" in page and "NO-SUCH-TOKEN" in page
        operated.local_list_answer = "Failed"  # the first update fails on the station
        _, location = await _post(http, f"{console_url}/local-lists", {**form, "csrf": csrf})
        assert location == f"/console/local-lists/{list_id}?saved=created"
        failed = await _sync_state(api, list_id, station, "Failed")
        assert operated.local_list == {}

        overview = await _get(http, f"{console_url}/local-lists")
        assert list_id in _rows(overview, "list")
        row = overview[overview.index(f'data-list-row="{list_id}"') :]
        assert re.search(r'data-sync="Failed"[^>]*>1<', row)
        page = await _get(http, f"{console_url}/local-lists/{list_id}")
        assert _rows(page, "sync") == [station] and 'data-sync-status="Failed"' in page
        assert failed["lastError"] in page
        assert re.findall(r'data-member="([^"]+)"', page) == [token]

        other = {**form, "csrf": csrf, "listId": list_id + "-B"}
        page, _ = await _post(http, f"{console_url}/local-lists", other, 409)
        assert f"{station} ({list_id})" in page

        sync = f"{console_url}/local-lists/{list_id}/sync"
        await _post(http, sync, {}, 403)
        _, location = await _post(http, sync, {"csrf": csrf})
        assert location.endswith("?saved=pushed")
        assert (await _sync_state(api, list_id, station, "InSync"))["version"] >= 1
        assert {t for t, _ in operated.local_list} == {token}
        page = await _get(http, f"{console_url}/local-lists/{list_id}")
        assert 'data-sync-status="InSync"' in page
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        page = await _get(http, f"{console_url}/local-lists/{list_id}")
        assert _rows(page, "sync") == [station] and 'id="list-sync"' not in page
        await _get(http, f"{console_url}/local-lists/NO-SUCH-LIST", 404)
        await _get(http, f"{console_url}/local-lists/bad%20id", 400)


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_only_an_admin_sees_and_reaches_the_admin_pages(
    console_url: str, role_keys: dict[str, str], role: str
):
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys[role])
        dashboard = await _get(http, f"{console_url}/")
        assert 'id="admin-link"' not in dashboard and 'href="/console/id-tokens"' in dashboard
        await _get(http, f"{console_url}/admin/api-keys", 403)
        await _get(http, f"{console_url}/admin/audit", 403)
        form = {"csrf": csrf, "name": "sneaky", "role": "admin"}
        await _post(http, f"{console_url}/admin/api-keys", form, 403)
    async with _session() as http:
        await _login(http, console_url, role_keys["admin"])
        assert 'id="admin-link"' in await _get(http, f"{console_url}/")


async def test_an_admin_creates_a_key_shown_once_revokes_it_and_both_are_audited(
    api: Api, console_url: str, role_keys: dict[str, str]
):
    admin_id = api_keys.key_id(role_keys["admin"])
    name = "console-made-" + uuid.uuid4().hex[:6]
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["admin"])
        url = f"{console_url}/admin/api-keys"
        await _post(http, url, {"name": name, "role": "viewer"}, 403)  # no CSRF token
        page, _ = await _post(http, url, {"csrf": csrf, "name": "bad\nname", "role": "x"}, 422)
        assert 'id="form-error"' in page
        page, _ = await _post(http, url, {"csrf": csrf, "name": name, "role": "viewer"}, 201)
        shown = re.findall(r"<code data-new-key>([^<]+)</code>", page)
        assert len(shown) == 1
        key = shown[0]
        key_id = api_keys.key_id(key)
        assert key_id is not None and key_id in _rows(page, "key")
        status, _ = await api.as_key(key).request("GET", "/stations")
        assert status == 200
        listing = await _get(http, url)
        assert key not in listing and "data-new-key" not in listing
        assert re.search(rf'data-key-row="{key_id}" data-revoked="no"', listing)

        revoke = f"{url}/{key_id}/revoke"
        await _post(http, revoke, {}, 403)
        _, location = await _post(http, revoke, {"csrf": csrf})
        assert location == f"/console/admin/api-keys?revoked={key_id}"
        status, _ = await api.as_key(key).request("GET", "/stations")
        assert status == 401
        assert re.search(rf'data-key-row="{key_id}" data-revoked="yes"', await _get(http, url))
        await _post(http, f"{url}/NOSUCHKEY/revoke", {"csrf": csrf}, 404)

        audit = await _get(http, f"{console_url}/admin/audit?keyId={admin_id}")
        assert set(re.findall(r'data-key="([^"]+)"', audit)) == {admin_id}
        paths = re.findall(r'data-path="([^"]+)"', audit)
        assert paths.index(f"/console/admin/api-keys/{key_id}/revoke") < paths.index(
            "/console/admin/api-keys"
        )  # newest first
        other = await _get(http, f"{console_url}/admin/audit?keyId={key_id}")
        assert _rows(other, "audit") == []
        await _get(http, f"{console_url}/admin/audit?station={'s' * 65}", 400)


async def test_the_audit_log_pages_on_the_server(
    api: Api, console_url: str, role_keys: dict[str, str]
):
    status, made = await api.request(
        "POST", "/api-keys", {"name": "audit-pager", "role": "operator"}
    )
    assert status == 201
    writer = api.as_key(made["key"])
    for n in range(53):
        status, _ = await writer.request(
            "PUT", f"/id-tokens/AP-{made['id']}-{n}", {"type": "Local"}
        )
        assert status == 201
    async with _session() as http:
        await _login(http, console_url, role_keys["admin"])
        base = f"{console_url}/admin/audit?keyId={made['id']}"
        first, second = await _get(http, base), await _get(http, base + "&page=2")
        paths = re.findall(r'data-path="([^"]+)"', first + second)
        assert len(_rows(first, "audit")) == 50 and len(_rows(second, "audit")) == 3
        assert 'id="older"' in first and 'id="older"' not in second
        assert paths == [f"/api/v1/id-tokens/AP-{made['id']}-{n}" for n in range(52, -1, -1)]
