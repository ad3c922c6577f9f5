"""Abuse limits against the real servers: a station's frame rate (GATEWAY_FRAME_*) and
failed-login throttling at the handshake (GATEWAY_LOGIN_*)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from websockets.exceptions import ConnectionClosed, InvalidStatus

from shared import names
from shared.ocppj import CallError, CallResult
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, open_ws, raw_station
from tests.test_operations import get


async def metric(cluster: Cluster, gateway: str, sample: str) -> float:
    _, text = await get(cluster.health_ports[gateway], "/metrics")
    values = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(sample)]
    return float(values[0]) if values else 0.0


# --- frame rate ---------------------------------------------------------------------------


async def test_frames_over_the_rate_get_rpc_framework_error_then_the_connection_closes(
    cluster: Cluster, api: Api, station: str
):
    name, url = await cluster.start_gateway(
        GATEWAY_FRAME_RATE="0.1", GATEWAY_FRAME_BURST="3", GATEWAY_FRAME_CLOSE_AFTER="4"
    )
    try:
        async with raw_station(url, station, PASSWORD) as raw:
            assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
            # Two more within the burst (an invalid frame counts like any other)...
            await raw.send("garbage")
            assert isinstance(await raw.receive(), CallError)
            assert isinstance(await raw.call("Heartbeat", {}), CallResult)
            # ...then over the rate: a valid CALL is refused and not forwarded, an answer dropped.
            refused = await raw.call("Heartbeat", {}, message_id="over-1")
            assert isinstance(refused, CallError)
            assert (refused.message_id, refused.code) == ("over-1", "RpcFrameworkError")
            assert "rate" in refused.description
            await raw.send('[3, "an-answer", {}]')
            await raw.send("garbage")
            garbage = await raw.receive()
            assert isinstance(garbage, CallError) and "rate" in garbage.description
            await raw.send('[2, "over-2", "Heartbeat", {}]')
            assert "rate" in (await raw.receive()).description  # type: ignore[union-attr]
            # Past GATEWAY_FRAME_CLOSE_AFTER frames over the rate: closed, with a reason.
            await raw.send('[2, "over-3", "Heartbeat", {}]')
            with pytest.raises(ConnectionClosed) as info:
                await raw.receive()
            assert info.value.rcvd is not None and info.value.rcvd.code == 1008
            assert "rate" in info.value.rcvd.reason
        await asyncio.sleep(0.3)
        lines = [
            line
            for path in cluster.log_dir.glob("*.log")
            for line in log_lines(path)
            if line.get("station") == station
        ]
        assert any(line["msg"] == "closing: frame rate limit exceeded" for line in lines)
        forwarded = {line.get("messageId") for line in lines if line["msg"] == "handled"}
        assert not forwarded & {"over-1", "over-2", "over-3"}
        assert await metric(cluster, name, 'csms_frames_limited_total{verdict="refuse"}') == 4
        assert await metric(cluster, name, 'csms_frames_limited_total{verdict="close"}') == 1
        # A new connection starts with a full budget.
        async with raw_station(url, station, PASSWORD) as again:
            assert isinstance(await again.call("Heartbeat", {}), CallResult)
    finally:
        cluster.kill(name)


async def test_a_well_behaved_station_is_not_limited_by_the_defaults(
    cluster: Cluster, station: str
):
    """One CALL in flight, each sent as soon as the last is answered: on this host that is
    about 400 CALLs a second, four times the default rate; the burst covers such a surge."""
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
        started = time.monotonic()
        answers = [await raw.call("Heartbeat", {}) for _ in range(400)]
        rate = 400 / (time.monotonic() - started)
    refused = [a for a in answers if not isinstance(a, CallResult)]
    assert refused == [], f"{len(refused)} refused at {rate:.0f} CALLs/s: {refused[0]}"


# --- failed-login throttling --------------------------------------------------------------

WRONG = "Wrong-Password-0123456"


async def status_of(url: str, station: str, password: str | None, **kwargs: Any) -> int:
    try:
        ws = await open_ws(url, station, password, **kwargs)
    except InvalidStatus as exc:
        if exc.response.status_code == 429:
            status_of.retry_after = int(exc.response.headers["Retry-After"])  # type: ignore[attr-defined]
        return exc.response.status_code
    await ws.close()
    return 101


async def test_failed_logins_per_station_get_429_without_a_password_check(
    cluster: Cluster, station: str, db: AsyncDatabase[Any]
):
    name, url = await cluster.start_gateway(
        GATEWAY_LOGIN_FAILURES_PER_STATION="3", GATEWAY_LOGIN_WINDOW="3"
    )
    try:
        assert [await status_of(url, station, WRONG) for _ in range(3)] == [401] * 3
        started = time.monotonic()
        attempts = [await status_of(url, station, WRONG) for _ in range(20)]
        assert attempts == [429] * 20
        assert 1 <= status_of.retry_after <= 3  # type: ignore[attr-defined]
        # The real station is refused as well until the window ends (the trade-off)...
        assert await status_of(url, station, PASSWORD) == 429
        # ...and only the first three attempts reached a worker's password check.
        refusals = await db[names.SECURITY_EVENTS].count_documents(
            {"station": station, "type": "InvalidCredentials"}
        )
        assert refusals == 3
        assert await metric(cluster, name, 'csms_logins_throttled_total{by="station"}') == 21
        await asyncio.sleep(max(0.0, 3.2 - (time.monotonic() - started)))
        assert await status_of(url, station, PASSWORD) == 101, "after the window"
    finally:
        cluster.kill(name)


async def test_failed_logins_per_address_throttle_that_address_only(
    cluster: Cluster, api: Api, station: str
):
    name, url = await cluster.start_gateway(
        GATEWAY_LOGIN_FAILURES_PER_ADDRESS="4", GATEWAY_LOGIN_WINDOW="30"
    )
    here = {"local_addr": ("127.0.0.3", 0)}
    try:
        other = station + "-B"
        await api.register(other, PASSWORD)
        # Unknown ids count against the address, as wrong passwords for any station do.
        assert await status_of(url, "NEVER-REGISTERED-1", PASSWORD, **here) == 404
        assert await status_of(url, "NEVER-REGISTERED-2", PASSWORD, **here) == 404
        assert await status_of(url, other, WRONG, **here) == 401
        assert await status_of(url, other, WRONG, **here) == 401
        assert await status_of(url, station, PASSWORD, **here) == 429
        assert await metric(cluster, name, 'csms_logins_throttled_total{by="address"}') == 1
        assert await status_of(url, station, PASSWORD) == 101, "from another address"
        assert await status_of(url, other, PASSWORD) == 101, "the station id is not throttled"
    finally:
        cluster.kill(name)
