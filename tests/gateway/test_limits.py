"""Abuse limits against the real servers: a station's frame rate (GATEWAY_FRAME_*)."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.exceptions import ConnectionClosed

from shared.ocppj import CallError, CallResult
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, raw_station
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
