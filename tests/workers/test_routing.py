"""The routing table checked against itself and the 64 official schema pairs, and every
route exercised once through the real gateway and workers."""

from __future__ import annotations

import pytest

from shared import schemas
from shared.actions import CSMS_INITIATED
from shared.ocppj import CallError, CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD
from tests.simulator import BOOT, raw_station
from tests.workers.fixtures import REQUESTS
from workers.routing import NOT_SUPPORTED, ROUTES


def test_every_ocpp_action_is_routed_or_declared_unsupported():
    declared = set(ROUTES) | NOT_SUPPORTED | CSMS_INITIATED
    assert declared == set(schemas.actions())


def test_no_action_is_both_routed_and_unsupported():
    assert not set(ROUTES) & (NOT_SUPPORTED | CSMS_INITIATED)
    assert not NOT_SUPPORTED & CSMS_INITIATED


def test_every_route_has_a_fixture_that_matches_its_schema():
    assert set(REQUESTS) == set(ROUTES)
    for action, payload in REQUESTS.items():
        schemas.validate(action, "Request", payload)


@pytest.mark.parametrize("action", sorted(ROUTES))
async def test_every_route_answers_a_valid_response(cluster: Cluster, station: str, action: str):
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
        answer = await raw.call(action, REQUESTS[action])
    assert isinstance(answer, CallResult), answer
    schemas.validate(action, "Response", answer.payload)


@pytest.mark.parametrize("action", sorted(NOT_SUPPORTED)[:3] + sorted(CSMS_INITIATED)[:3])
async def test_declared_unsupported_actions_get_not_supported(
    cluster: Cluster, station: str, action: str
):
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        await raw.call("BootNotification", BOOT)
        answer = await raw.call(action, {})
    assert isinstance(answer, CallError) and answer.code == "NotSupported"
