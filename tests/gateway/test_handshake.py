"""What happens before and at the websocket upgrade (OCPP-J part 4, section 3)."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from shared.ocppj import CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, open_ws, raw_station


async def refused_status(
    cluster: Cluster, station: str, password: str | None = None, **kwargs: object
) -> int:
    with pytest.raises(InvalidStatus) as info:
        await open_ws(cluster.ws_url, station, password, **kwargs)  # type: ignore[arg-type]
    return info.value.response.status_code


async def test_unknown_station_gets_404(cluster: Cluster):
    assert await refused_status(cluster, "NEVER-REGISTERED", PASSWORD) == 404


async def test_station_id_with_forbidden_characters_gets_404(cluster: Cluster):
    assert await refused_status(cluster, "bad%3Aid", PASSWORD) == 404


async def test_wrong_password_gets_401(cluster: Cluster, station: str):
    assert await refused_status(cluster, station, "Wrong-Password-0123456") == 401


async def test_missing_credentials_get_401(cluster: Cluster, station: str):
    assert await refused_status(cluster, station) == 401


async def test_username_other_than_station_id_gets_401(cluster: Cluster, station: str):
    from tests.simulator import auth_header

    with pytest.raises(InvalidStatus) as info:
        await open_ws(
            cluster.ws_url, station, additional_headers=auth_header("SOMEONE-ELSE", PASSWORD)
        )
    assert info.value.response.status_code == 401


async def test_station_without_password_connects_without_credentials(
    cluster: Cluster, api: Api, station_id: str
):
    await api.register(station_id)
    async with raw_station(cluster.ws_url, station_id) as station:
        assert isinstance(await station.call("BootNotification", BOOT), CallResult)


async def test_other_url_prefixes_work_because_the_id_is_the_last_segment(
    cluster: Cluster, station: str
):
    base = cluster.ws_url.replace("/ocpp", "/some/other/prefix")
    async with raw_station(base, station, PASSWORD) as raw:
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)


async def test_password_change_takes_effect_at_next_connect(
    cluster: Cluster, api: Api, station: str
):
    await api.register(station, "Second-Password-987654321")
    assert await refused_status(cluster, station, PASSWORD) == 401
    async with raw_station(cluster.ws_url, station, "Second-Password-987654321") as raw:
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)


async def test_no_common_subprotocol_is_accepted_without_one_then_closed(
    cluster: Cluster, station: str
):
    ws = await open_ws(cluster.ws_url, station, PASSWORD, subprotocols=["ocpp1.5"])
    assert ws.subprotocol is None
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(10):
            await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1002


async def test_the_newest_version_is_selected_among_several_offered(cluster: Cluster, station: str):
    ws = await open_ws(
        cluster.ws_url, station, PASSWORD, subprotocols=["ocpp1.6", "ocpp2.0.1", "ocpp2.1"]
    )
    try:
        assert ws.subprotocol == "ocpp2.1"
    finally:
        await ws.close()


async def test_second_connection_replaces_the_first(cluster: Cluster, station: str):
    first = await open_ws(cluster.ws_url, station, PASSWORD)
    async with raw_station(cluster.ws_url, station, PASSWORD) as second:
        with pytest.raises(ConnectionClosed) as info:
            async with asyncio.timeout(10):
                await first.recv()
        assert info.value.rcvd is not None and info.value.rcvd.code == 1000
        assert isinstance(await second.call("BootNotification", BOOT), CallResult)
