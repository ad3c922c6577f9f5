"""Authentication and roles on every operator API route, from the table itself
(``api.access.ROUTE_ROLES``): no key 401, too low a role 403, enough gets past both."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest

from api import bootstrap
from api.access import (
    ADMIN_COMMANDS,
    COMMAND_ROUTE,
    CONSOLE_ROLES,
    PUBLIC,
    ROUTE_ROLES,
    changes_state,
    needed_role,
)
from api.app import build
from shared import api_keys, config, names
from store import api_keys as key_store
from tests.conftest import Api

ROLES = names.ROLES


def _registered() -> set[tuple[str, str]]:
    app = build(config.load({}))
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }


def test_every_route_the_api_serves_has_a_role_and_no_role_is_stale():
    routes = {(m, p) for m, p in _registered() if p not in PUBLIC}
    assert routes == set(ROUTE_ROLES) | set(CONSOLE_ROLES)
    assert not set(ROUTE_ROLES) & set(CONSOLE_ROLES)


def test_only_health_readiness_and_metrics_are_public():
    api_routes = {p for _, p in ROUTE_ROLES} | {p for _, p in CONSOLE_ROLES}
    assert {p for _, p in _registered()} - api_routes == PUBLIC


def test_console_routes_take_no_bearer_key_and_stay_under_console():
    for method, route in CONSOLE_ROLES:
        assert needed_role(method, route) is None
        assert route == "/" or route.startswith("/console/")


def test_commands_that_change_trust_need_admin_and_unlisted_routes_need_admin():
    assert needed_role("POST", COMMAND_ROUTE, "Reset") == names.ROLE_OPERATOR
    for action in ADMIN_COMMANDS:
        assert needed_role("POST", COMMAND_ROUTE, action) == names.ROLE_ADMIN
    assert needed_role("POST", "/api/v1/not-listed") == names.ROLE_ADMIN
    assert needed_role("GET", "/healthz") is None
    listing = "/api/v1/stations/{id}/display-messages"
    assert needed_role("GET", listing, query={}) == names.ROLE_VIEWER
    assert needed_role("GET", listing, query={"refresh": "false"}) == names.ROLE_VIEWER
    assert needed_role("GET", listing, query={"refresh": "true"}) == names.ROLE_OPERATOR
    assert needed_role("GET", listing, query={"refresh": "1"}) == names.ROLE_OPERATOR
    assert not changes_state("GET", listing, {"refresh": "false"})
    assert changes_state("GET", listing, {"refresh": "true"})
    assert changes_state("DELETE", "/api/v1/not-listed", {})


@pytest.fixture(scope="module")
async def keys(api: Api) -> dict[str, str]:
    """A fresh key per role, made through the API with the cluster's admin key."""
    made = {}
    for role in ROLES:
        status, body = await api.request("POST", "/api-keys", {"name": f"t-{role}", "role": role})
        assert status == 201, body
        made[role] = body["key"]
    return made


def _concrete(path: str) -> str:
    values = {"id": "CS-ACCESS-1", "action": "Reset", "commandId": "c-1"}
    values |= {"idToken": "TOKEN-1", "transactionId": "T-1", "keyId": "f" * 16}
    values |= {"reservationId": "1", "profileId": "1", "messageId": "1"}
    values |= {"listId": "LIST-ACCESS-1", "siteId": "SITE-ACCESS-1", "tariffId": "TARIFF-1"}
    values |= {"monitorId": "1", "alertId": "00000000-0000-0000-0000-000000000000"}
    values |= {"streamId": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path).removeprefix("/api/v1")


CASES = [
    (method, path, role)
    for (method, path) in sorted(ROUTE_ROLES)
    for role in (None, "wrong", *ROLES)
]


@pytest.mark.parametrize(("method", "path", "role"), CASES)
async def test_route_answers_by_role(api: Api, keys: dict[str, str], method, path, role):
    key = {None: None, "wrong": "csms_" + "1" * 16 + "_" + "x" * 32}.get(role, keys.get(role))
    status, body = await api.as_key(key).request(method, _concrete(path), {})
    needed = ROUTE_ROLES[(method, path)]
    if role in (None, "wrong"):
        assert status == 401 and body["error"], (status, body)
    elif not api_keys.allows(role, needed):
        assert status == 403 and needed in body["detail"], (status, body)
    else:
        assert status not in (401, 403), (status, body)


@pytest.mark.parametrize("action", sorted(ADMIN_COMMANDS))
async def test_an_operator_may_not_send_commands_that_change_trust(
    api: Api, keys: dict[str, str], action: str
):
    path = f"/stations/CS-ACCESS-1/ocpp/{action}"
    status, _ = await api.as_key(keys["operator"]).request("POST", path, {})
    assert status == 403
    status, _ = await api.as_key(keys["admin"]).request("POST", path, {})
    assert status not in (401, 403)


async def test_a_missing_key_says_how_to_send_one(api: Api):
    async with api.session.get(api.base + "/stations") as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = await response.json()
        assert body["requestId"] == response.headers["X-Request-Id"]


async def test_a_key_is_shown_once_listed_without_secrets_and_revoked_at_once(api: Api):
    status, created = await api.request("POST", "/api-keys", {"name": "ci", "role": "viewer"})
    assert status == 201 and created["role"] == "viewer"
    key = created["key"]
    assert (await api.as_key(key).request("GET", "/stations"))[0] == 200

    status, listed = await api.request("GET", "/api-keys?limit=1000")
    mine = [k for k in listed["apiKeys"] if k["id"] == created["id"]]
    assert mine and "key" not in mine[0] and "digest" not in mine[0]
    assert key not in str(listed)

    assert (await api.request("DELETE", f"/api-keys/{created['id']}"))[0] == 204
    assert (await api.as_key(key).request("GET", "/stations"))[0] == 401
    assert (await api.request("DELETE", f"/api-keys/{created['id']}"))[0] == 204
    assert (await api.request("DELETE", "/api-keys/" + "e" * 16))[0] == 404


@pytest.mark.parametrize(
    "body",
    [{"name": "x", "role": "root"}, {"role": "viewer"}, {"name": "", "role": "viewer"}, {"a": 1}],
)
async def test_a_key_needs_a_name_and_a_known_role(api: Api, body: dict[str, Any]):
    assert (await api.request("POST", "/api-keys", body))[0] == 422


async def test_state_changes_are_audited_with_key_role_and_outcome(api: Api, keys: dict[str, str]):
    station = "CS-AUDIT-" + uuid.uuid4().hex[:6]
    assert (await api.as_key(keys["operator"]).request("PUT", f"/stations/{station}", {}))[0] == 403
    assert (await api.as_key(keys["admin"]).request("PUT", f"/stations/{station}", {}))[0] == 201
    await api.as_key(keys["admin"]).request("GET", f"/stations/{station}")  # reads: not audited
    # A caller-chosen request id sent twice still gives two entries.
    again = {"Authorization": f"Bearer {keys['admin']}", "X-Request-Id": "same-id-1234"}
    for _ in range(2):
        async with api.session.delete(f"{api.base}/stations/{station}", headers=again) as answer:
            assert answer.headers["X-Request-Id"] == "same-id-1234"

    status, body = await api.request("GET", f"/audit?station={station}")
    assert status == 200
    seen = [(e["method"], e["role"], e["status"]) for e in body["entries"]]
    # Newest first; entries within one millisecond may come in either order.
    assert sorted(seen[:2]) == [("DELETE", "admin", 204), ("DELETE", "admin", 404)]
    assert sorted(seen[2:]) == [("PUT", "admin", 201), ("PUT", "operator", 403)]
    assert all(e["keyId"] and e["requestId"] and e["at"] for e in body["entries"])
    assert (await api.as_key(keys["operator"]).request("GET", "/audit"))[0] == 403


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1001", "limit=-1", "skip=-1", f"skip={10**23}", "limit=ten"]
)
async def test_paging_out_of_range_is_a_json_400(api: Api, query: str):
    status, body = await api.request("GET", f"/stations?{query}")
    assert status == 400 and "must be an integer" in body["error"]


@pytest.fixture
async def empty_db(db):
    """A database of its own: the cluster's holds the keys other tests use."""
    name = f"{db.name}_bootstrap"
    yield db.client[name]
    await db.client.drop_database(name)


async def test_the_first_start_creates_one_admin_key_unless_one_is_configured(empty_db):
    db = empty_db
    out = io.StringIO()
    configured = config.load({"API_ADMIN_KEY": "k" * 32})
    assert await bootstrap.first_admin_key(db, configured, out) is None
    unset = config.load({})
    key = await bootstrap.first_admin_key(db, unset, out)
    assert key is not None and key in out.getvalue()
    doc = await key_store.get(db, api_keys.key_id(key) or "")
    assert doc is not None and doc["role"] == names.ROLE_ADMIN
    assert api_keys.matches(key, doc["digest"]) and key not in str(doc)
    assert await bootstrap.first_admin_key(db, unset, io.StringIO()) is None


def test_an_admin_key_too_short_to_be_safe_is_refused_at_start():
    with pytest.raises(config.ConfigError, match="API_ADMIN_KEY=<secret>"):
        config.load({"API_ADMIN_KEY": "short"})
