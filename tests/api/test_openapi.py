"""The OpenAPI description covers every route the app registers, and is served."""

from __future__ import annotations

from api.access import CONSOLE_ROLES
from api.app import build
from api.openapi import SPEC
from api.routes import reservations, sites, stations
from shared import config, names, tariffs
from shared.actions import COMMAND_ACTIONS, command_actions
from tests.conftest import Api


def test_every_registered_route_is_described():
    app = build(config.load({}))
    registered = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    described = {
        (method, path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method != "parameters"
    }
    operational = {("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics")}
    console = {(method.lower(), path) for method, path in CONSOLE_ROLES}  # pages, not the API
    assert registered - operational - console - {("get", "/api/v1/openapi.json")} == described


def test_command_actions_are_listed():
    parameters = SPEC["paths"]["/api/v1/stations/{id}/ocpp/{action}"]["parameters"]
    action = next(p for p in parameters if p["name"] == "action")
    every_version = set().union(*(command_actions(v) for v in names.OCPP_VERSIONS))
    assert set(action["schema"]["enum"]) == every_version
    assert {"Reset", "RequestStartTransaction", "DataTransfer"} <= COMMAND_ACTIONS
    assert {"RemoteStartTransaction", "ChangeConfiguration"} <= every_version - COMMAND_ACTIONS
    assert {"SetDefaultTariff", "RequestBatterySwap"} <= every_version - COMMAND_ACTIONS


async def test_openapi_is_served(api: Api):
    status, body = await api.request("GET", "/openapi.json")
    assert status == 200 and body["openapi"].startswith("3.")


def test_station_input_describes_exactly_the_fields_put_accepts():
    described = SPEC["components"]["schemas"]["StationInput"]["properties"]
    assert set(described) == set(stations.FIELDS)
    assert "generatePassword" in described


def test_reservation_input_describes_exactly_the_fields_post_accepts():
    described = SPEC["components"]["schemas"]["ReservationInput"]["properties"]
    assert set(described) == set(reservations.FIELDS)


def test_site_input_describes_exactly_the_fields_put_accepts():
    described = SPEC["components"]["schemas"]["SiteInput"]
    assert set(described["properties"]) == set(sites.FIELDS)
    assert described["required"] == ["maxCurrent"]


def test_tariff_input_describes_exactly_the_fields_put_accepts():
    described = SPEC["components"]["schemas"]["TariffInput"]["properties"]
    assert set(described) == set(tariffs.FIELDS)


def test_station_certificates_describe_the_renewal_fields_the_readme_does():
    text = SPEC["paths"]["/api/v1/stations/{id}/certificates"]["get"]["description"]
    for field in ("certificateId", "notAfter", "renewal", "nextAttemptAt", "renewedBy"):
        assert field in text, field
    checks = SPEC["paths"]["/api/v1/stations/{id}/certificate-checks"]["get"]["description"]
    assert "responders" in checks and "detail" in checks
