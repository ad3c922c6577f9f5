"""The OCPP 1.6 table checked against the 1.6 schemas, and every route answered once with a
response valid against its 1.6 schema, through a real gateway that speaks 1.6."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared import names, ocppj, schemas
from shared.actions import CSMS_INITIATED_16
from shared.ocppj import CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD
from tests.simulator import now, open_ws
from workers.routing import RESULT_ROUTES, RESULT_ROUTES_16, ROUTES_16, result_routes_for

# What a 1.6 charge point sends (OCPP 1.6 edition 2, section 4, and the OCA security
# whitepaper's additions); DataTransfer goes both ways.
CHARGE_POINT_INITIATED = {
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
    "StatusNotification", "StopTransaction", "LogStatusNotification",
    "SecurityEventNotification", "SignCertificate", "SignedFirmwareStatusNotification",
}  # fmt: skip

REQUESTS: dict[str, dict[str, Any]] = {
    "Authorize": {"idTag": "TAG-R16"},
    "BootNotification": {"chargePointVendor": "V", "chargePointModel": "M"},
    "DataTransfer": {"vendorId": "com.example", "messageId": "x", "data": "{}"},
    "DiagnosticsStatusNotification": {"status": "Uploading"},
    "FirmwareStatusNotification": {"status": "Downloading"},
    "Heartbeat": {},
    "MeterValues": {
        "connectorId": 1,
        "meterValue": [{"timestamp": now(), "sampledValue": [{"value": "12.5"}]}],
    },
    "StartTransaction": {"connectorId": 1, "idTag": "TAG-R16", "meterStart": 0, "timestamp": now()},
    "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Charging"},
    "StopTransaction": {"transactionId": 1, "meterStop": 100, "timestamp": now()},
    "LogStatusNotification": {"status": "Uploading", "requestId": 1},
    "SecurityEventNotification": {"type": "StartupOfTheDevice", "timestamp": now()},
    "SignCertificate": {"csr": "-----BEGIN CERTIFICATE REQUEST-----\\nnot one\\n"},
    "SignedFirmwareStatusNotification": {"status": "SignatureVerified", "requestId": 1},
}


def test_every_action_a_1_6_charge_point_sends_is_routed():
    assert set(ROUTES_16) == CHARGE_POINT_INITIATED
    assert CHARGE_POINT_INITIATED <= schemas.actions(names.OCPP16)


def test_1_6_results_are_applied_by_the_1_6_table_and_2_x_ones_by_2_0_1_s():
    assert set(RESULT_ROUTES_16) <= CSMS_INITIATED_16
    assert result_routes_for(names.OCPP16) is RESULT_ROUTES_16
    assert result_routes_for(names.OCPP201) is RESULT_ROUTES
    # Same name, other payload: a 1.6 UpdateFirmware is not read as 2.0.1's.
    assert "UpdateFirmware" in RESULT_ROUTES and "UpdateFirmware" not in RESULT_ROUTES_16


def test_every_fixture_matches_its_1_6_schema():
    assert set(REQUESTS) == set(ROUTES_16)
    for action, payload in REQUESTS.items():
        schemas.validate(action, "Request", payload, names.OCPP16)


@pytest.fixture(scope="module")
async def gateway16(cluster: Cluster) -> AsyncIterator[str]:
    name, url = await cluster.start_gateway(OCPP_VERSIONS="ocpp1.6")
    yield url
    cluster.kill(name, signal.SIGTERM)


@pytest.mark.parametrize("action", sorted(ROUTES_16))
async def test_every_1_6_route_answers_a_valid_1_6_response(
    gateway16: str, station: str, action: str
):
    ws = await open_ws(gateway16, station, PASSWORD, subprotocols=[names.OCPP16])

    async def call(name: str, payload: dict[str, Any]) -> Any:
        await ws.send(ocppj.call_frame(uuid.uuid4().hex, name, payload))
        async with asyncio.timeout(15):
            return ocppj.parse(await ws.recv(), names.OCPP16)

    try:
        assert isinstance(await call("BootNotification", REQUESTS["BootNotification"]), CallResult)
        answer = await call(action, REQUESTS[action])
    finally:
        await ws.close()
    assert isinstance(answer, CallResult), answer
    schemas.validate(action, "Response", answer.payload, names.OCPP16)
