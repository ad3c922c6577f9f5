"""OCPP 2.1's routing table, checked against the 2.1 schemas shipped in ``ocpp``: every
action is routed (a CALL or a SEND), sent only by the CSMS, or declared unsupported."""

from __future__ import annotations

from shared import names, schemas
from shared.actions import CSMS_INITIATED, CSMS_INITIATED_21
from tests.workers.fixtures_21 import REQUESTS_21, SEND_21
from workers.routing import (
    NOT_SUPPORTED,
    RESULT_ROUTES,
    RESULT_ROUTES_21,
    ROUTES,
    ROUTES_21,
    SEND_ROUTES,
    result_routes_for,
    routes_for,
)

V21 = names.OCPP21


def test_every_2_1_action_is_routed_sent_by_the_csms_or_unsupported():
    declared = set(ROUTES_21) | NOT_SUPPORTED | CSMS_INITIATED_21
    assert declared == set(schemas.actions(V21))
    assert set(SEND_ROUTES) == set(schemas.unconfirmed(V21))


def test_no_2_1_action_is_both_routed_and_sent_by_the_csms():
    assert not set(ROUTES_21) & (NOT_SUPPORTED | CSMS_INITIATED_21)


def test_2_1_serves_every_2_0_1_route_and_its_own():
    assert set(ROUTES) < set(ROUTES_21)
    assert set(ROUTES_21) - set(ROUTES) == set(REQUESTS_21)
    assert CSMS_INITIATED < CSMS_INITIATED_21
    assert routes_for(V21) is ROUTES_21


def test_every_2_1_fixture_matches_its_schema():
    for action, payload in {**REQUESTS_21, **SEND_21}.items():
        schemas.validate(action, "Request", payload, V21)


def test_2_1_results_are_2_0_1_s_and_2_1_s_own_commands():
    assert result_routes_for(V21) is RESULT_ROUTES_21
    assert set(RESULT_ROUTES) < set(RESULT_ROUTES_21)
    assert all(RESULT_ROUTES_21[action] is handler for action, handler in RESULT_ROUTES.items())
    assert set(RESULT_ROUTES_21) - set(RESULT_ROUTES) <= CSMS_INITIATED_21
    assert "SetDefaultTariff" in RESULT_ROUTES_21
