"""OCPP-J framing errors get the CALLERROR the spec asks for (part 4, 4.2.3 and 4.3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from shared import ocppj
from shared.ocppj import CallError, CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, RawStation, raw_station


@pytest.fixture
async def raw(cluster: Cluster, station: str) -> AsyncIterator[RawStation]:
    async with raw_station(cluster.ws_url, station, PASSWORD) as connection:
        yield connection


async def error_for(raw: RawStation, text: str) -> CallError:
    await raw.send(text)
    answer = await raw.receive()
    assert isinstance(answer, CallError), answer
    return answer


@pytest.mark.parametrize(
    ("text", "message_id", "code"),
    [
        ("this is not json", "-1", "RpcFrameworkError"),
        ('{"not": "an array"}', "-1", "RpcFrameworkError"),
        ('[2, 17, "Heartbeat", {}]', "-1", "RpcFrameworkError"),
        ('[5, "m-5", {}]', "m-5", "MessageTypeNotSupported"),
        ('[2, "m-arity", "Heartbeat"]', "m-arity", "RpcFrameworkError"),
        ('[2, "m-null", "Heartbeat", null]', "m-null", "FormatViolation"),
        ('[2, "m-unknown", "MakeCoffee", {}]', "m-unknown", "NotImplemented"),
        ('[2, "m-csms-only", "Reset", {"type": "Immediate"}]', "m-csms-only", "NotSupported"),
    ],
)
async def test_broken_frames_get_the_spec_error(
    raw: RawStation, text: str, message_id: str, code: str
):
    answer = await error_for(raw, text)
    assert (answer.message_id, answer.code) == (message_id, code)


@pytest.mark.parametrize(
    ("payload", "code", "path"),
    [
        ({"reason": "PowerUp"}, "OccurrenceConstraintViolation", "(payload)"),
        (
            {"reason": "PowerUp", "chargingStation": {"model": 7, "vendorName": "V"}},
            "TypeConstraintViolation",
            "chargingStation.model",
        ),
        (
            {"reason": "Bored", "chargingStation": {"model": "M", "vendorName": "V"}},
            "PropertyConstraintViolation",
            "reason",
        ),
        (
            {"reason": "PowerUp", "chargingStation": {"model": "M" * 21, "vendorName": "V"}},
            "PropertyConstraintViolation",
            "chargingStation.model",
        ),
        ({**BOOT, "colour": "red"}, "FormatViolation", "(payload)"),
    ],
)
async def test_schema_violations_map_to_ocpp_error_codes(
    raw: RawStation, payload: dict[str, Any], code: str, path: str
):
    answer = await raw.call("BootNotification", payload, message_id="schema-1")
    assert isinstance(answer, CallError)
    assert (answer.message_id, answer.code, answer.details) == ("schema-1", code, {"path": path})


async def test_connection_stays_usable_after_errors(raw: RawStation):
    await error_for(raw, "garbage")
    await error_for(raw, '[2, "x", "MakeCoffee", {}]')
    assert isinstance(await raw.call("BootNotification", BOOT), CallResult)


async def test_oversized_frame_closes_only_that_connection(
    cluster: Cluster, api: Api, raw: RawStation, station: str
):
    neighbour = station + "-N"
    await api.register(neighbour, PASSWORD)
    async with raw_station(cluster.ws_url, neighbour, PASSWORD) as bystander:
        huge = ocppj.call_frame("big", "DataTransfer", {"vendorId": "V", "data": "x" * 70_000})
        await raw.send(huge)
        with pytest.raises(ConnectionClosed) as info:
            await raw.receive()
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
        assert isinstance(await bystander.call("BootNotification", BOOT), CallResult)
