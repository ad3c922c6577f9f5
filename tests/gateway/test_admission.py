"""A reconnect storm is admitted in waves: beyond GATEWAY_MAX_PENDING_AUTH concurrent
handshake checks, stations get 503 with Retry-After at once instead of timing out."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from websockets.exceptions import InvalidStatus

from shared.ocppj import CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, RawStation, open_ws


async def test_handshakes_beyond_the_limit_get_503_with_retry_after(
    cluster: Cluster, api: Api, station: str
):
    other = station + "-2"
    await api.register(other, PASSWORD)
    name, url = await cluster.start_gateway(GATEWAY_MAX_PENDING_AUTH="1")
    try:
        for worker in cluster.workers():
            cluster.signal(worker, signal.SIGSTOP)
        try:
            first = asyncio.create_task(open_ws(url, station, PASSWORD))
            await asyncio.sleep(0.5)  # its auth check is now pending at the stopped workers
            started = time.monotonic()
            with pytest.raises(InvalidStatus) as info:
                await open_ws(url, other, PASSWORD)
            assert time.monotonic() - started < 2
            assert info.value.response.status_code == 503
            assert 2 <= int(info.value.response.headers["Retry-After"]) <= 10
        finally:
            for worker in cluster.workers():
                cluster.signal(worker, signal.SIGCONT)
        raw = RawStation(await first)
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
        await raw.ws.close()
    finally:
        cluster.kill(name)
