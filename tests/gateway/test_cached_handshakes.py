"""A gateway's cached handshakes never outlive a change of the station's credentials.

The cluster's gateway caches nothing (GATEWAY_AUTH_CACHE_SECONDS=0); these tests start one
that caches for a minute, as in production, and change the station through the worker (a
connection above the registered profile raises it) or the operator API.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from bench.stack import free_port
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD, Api
from tests.gateway.test_security import answer_set_variables, client_context, wss
from tests.proxy import Proxy
from tests.simulator import BOOT, RawStation, open_ws
from tests.test_end_to_end import eventually

NEW_PASSWORD = "Another-Password-0123456789"


@dataclass
class CachingGateway:
    ws_url: str
    wss_url: str


@pytest.fixture(scope="module")
async def caching(cluster: Cluster) -> AsyncIterator[CachingGateway]:
    tls_port = free_port()
    name, url = await cluster.start_gateway(
        GATEWAY_AUTH_CACHE_SECONDS="60", GATEWAY_TLS_LISTEN=f"127.0.0.1:{tls_port}"
    )
    yield CachingGateway(url, f"wss://127.0.0.1:{tls_port}/ocpp")
    cluster.kill(name, signal.SIGTERM)


async def status_of(url: str, station: str, password: str | None) -> int:
    """101 if the upgrade succeeded (the connection is closed again), else the HTTP status."""
    try:
        ws = await open_ws(url, station, password)
    except InvalidStatus as exc:
        return exc.response.status_code
    await ws.close()
    return 101


async def closed_by_gateway(ws: ClientConnection, timeout: float = 5) -> int | None:
    """The close code the gateway sent, or None if the connection stayed open."""
    try:
        async with asyncio.timeout(timeout):
            await ws.wait_closed()
    except TimeoutError:
        await ws.close()
        return None
    return ws.close_code


@pytest.mark.parametrize("tls_on", ["the same gateway", "another gateway"])
async def test_plain_reconnect_right_after_tls_raised_the_profile_is_refused(
    cluster: Cluster, api: Api, caching: CachingGateway, station: str, tls_on: str
):
    assert await status_of(caching.ws_url, station, PASSWORD) == 101  # profile 1, now cached
    tls_url = caching.wss_url if tls_on == "the same gateway" else cluster.wss_url
    raw = await wss(cluster, station, client_context(cluster), PASSWORD, url=tls_url)
    await raw.ws.close()
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["securityProfile"] == 2
    assert await status_of(caching.ws_url, station, PASSWORD) == 403


async def test_old_password_is_refused_at_once_after_the_operator_changes_it(
    api: Api, caching: CachingGateway, station: str
):
    live = await open_ws(caching.ws_url, station, PASSWORD)  # admitted, and cached
    await api.register(station, NEW_PASSWORD)
    assert await status_of(caching.ws_url, station, PASSWORD) == 401
    # The session the old password opened ends too (1008: policy violation).
    assert await closed_by_gateway(live) == 1008
    assert await status_of(caching.ws_url, station, NEW_PASSWORD) == 101


async def test_rotation_refuses_the_old_password_at_once_and_keeps_the_connection(
    api: Api, caching: CachingGateway, station: str
):
    raw = RawStation(await open_ws(caching.ws_url, station, PASSWORD))
    await raw.call("BootNotification", BOOT)
    rotation = asyncio.create_task(api.request("POST", f"/stations/{station}/password", {}))
    new_password = await answer_set_variables(raw, "Accepted")
    status, _ = await rotation
    assert status == 200
    assert await status_of(caching.ws_url, station, PASSWORD) == 401
    # The station got the new password over this connection and reconnects with it itself
    # (A01); the CSMS does not cut it off.
    assert await closed_by_gateway(raw.ws, timeout=1) is None
    assert await status_of(caching.ws_url, station, new_password) == 101


async def test_deleted_station_is_disconnected_and_refused_at_once(
    api: Api, caching: CachingGateway, station: str
):
    live = await open_ws(caching.ws_url, station, PASSWORD)
    status, _ = await api.request("DELETE", f"/stations/{station}")
    assert status == 204
    assert await status_of(caching.ws_url, station, PASSWORD) == 404
    assert await closed_by_gateway(live) == 1008


async def test_changing_only_the_boot_policy_leaves_the_connection_alone(
    api: Api, caching: CachingGateway, station: str
):
    live = await open_ws(caching.ws_url, station, PASSWORD)
    await api.register(station, bootPolicy="Pending")
    assert await closed_by_gateway(live, timeout=1) is None


async def test_a_gateway_cut_off_from_the_broker_forgets_what_it_cached(
    cluster: Cluster, api: Api, station: str
):
    """The notice sent while it was cut off is lost with its queue, so it forgets all."""
    proxy = await Proxy.before(cluster.amqp_url, 5672).start()
    name, url = await cluster.start_gateway(
        GATEWAY_AUTH_CACHE_SECONDS="60", AMQP_URL=proxy.url(cluster.amqp_url)
    )
    try:
        assert await status_of(url, station, PASSWORD) == 101  # cached
        proxy.cut()
        await api.register(station, NEW_PASSWORD)  # its notice cannot reach this gateway
        proxy.restore()
        log = cluster.log_dir / f"{name}.log"

        async def reconnected() -> bool:
            return any(r["msg"] == "reconnected to RabbitMQ" for r in log_lines(log))

        assert await eventually(reconnected)
        assert await status_of(url, station, PASSWORD) == 401
    finally:
        # SIGKILL: kill() blocks this loop, which runs the proxy a clean stop would need.
        cluster.kill(name)
        await proxy.close()
