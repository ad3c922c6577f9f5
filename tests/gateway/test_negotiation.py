"""Which OCPP version a station speaks: the deployment's OCPP_VERSIONS (its preference order)
and the station's registered ``ocppVersions``, chosen at the handshake (OCPP-J part 4, 3.2).

The cluster's gateway runs the default (all three, newest first); ``every_version`` starts another
like it that caches handshakes for a minute as in production, and ``without_21`` one that
accepts ocpp2.0.1, then ocpp1.6 only.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from shared import envelope, names
from shared.envelope import Inbound
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.events import Tap, event_queue
from tests.simulator import open_ws
from tests.test_end_to_end import eventually

ALL = ["ocpp2.1", "ocpp2.0.1", "ocpp1.6"]


@pytest.fixture(scope="module")
async def every_version(cluster: Cluster) -> AsyncIterator[str]:
    name, url = await cluster.start_gateway(
        OCPP_VERSIONS="ocpp2.1,ocpp2.0.1,ocpp1.6", GATEWAY_AUTH_CACHE_SECONDS="60"
    )
    yield url
    cluster.kill(name, signal.SIGTERM)


@pytest.fixture(scope="module")
async def without_21(cluster: Cluster) -> AsyncIterator[str]:
    name, url = await cluster.start_gateway(OCPP_VERSIONS="ocpp2.0.1,ocpp1.6")
    yield url
    cluster.kill(name, signal.SIGTERM)


async def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """The code and reason of the close the gateway sends on its own."""
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(10):
            await ws.recv()
    assert info.value.rcvd is not None
    return info.value.rcvd.code, info.value.rcvd.reason


async def negotiated(url: str, station: str, offered: list[str]) -> str | None:
    ws = await open_ws(url, station, PASSWORD, subprotocols=offered)
    await ws.close()
    return ws.subprotocol


async def test_a_deployment_without_21_closes_a_station_offering_only_ocpp21(
    without_21: str, station: str
):
    ws = await open_ws(without_21, station, PASSWORD, subprotocols=["ocpp2.1"])

    assert ws.subprotocol is None
    assert await closed_with(ws) == (1002, "OCPP subprotocol required: ocpp2.0.1 or ocpp1.6")


async def test_a_deployment_without_21_prefers_ocpp201_then_ocpp16(without_21: str, station: str):
    assert await negotiated(without_21, station, ["ocpp2.1", "ocpp1.6", "ocpp2.0.1"]) == (
        "ocpp2.0.1"
    )
    assert await negotiated(without_21, station, ["ocpp2.1", "ocpp1.6"]) == "ocpp1.6"


async def test_the_default_deployment_prefers_the_newest_version_offered(
    cluster: Cluster, station: str
):
    assert await negotiated(cluster.ws_url, station, ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"]) == (
        "ocpp2.1"
    )
    assert await negotiated(cluster.ws_url, station, ["ocpp1.6", "ocpp2.0.1"]) == "ocpp2.0.1"


async def test_a_station_allowed_no_version_the_deployment_accepts_is_closed(
    without_21: str, api: Api, station: str
):
    await api.register(station, ocppVersions=["ocpp2.1"])

    ws = await open_ws(without_21, station, PASSWORD, subprotocols=ALL)

    assert ws.subprotocol is None
    code, reason = await closed_with(ws)
    assert code == 1002 and "registered for" in reason


async def test_every_version_deployment_picks_its_own_first_choice_not_the_station_s(
    every_version: str, station: str
):
    assert await negotiated(every_version, station, ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"]) == (
        "ocpp2.1"
    )
    assert await negotiated(every_version, station, ["ocpp1.6", "ocpp2.0.1"]) == "ocpp2.0.1"
    assert await negotiated(every_version, station, ["ocpp1.6"]) == "ocpp1.6"


@pytest.mark.parametrize(
    ("allowed", "chosen"),
    [
        (["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp1.6"], "ocpp1.6"),
        (["ocpp2.0.1"], "ocpp2.0.1"),
    ],
)
async def test_the_station_s_ocpp_versions_restrict_the_choice(
    every_version: str, api: Api, station: str, allowed: list[str], chosen: str
):
    await api.register(station, ocppVersions=allowed)

    assert await negotiated(every_version, station, ALL) == chosen


async def test_a_restricted_station_offering_none_it_may_use_is_told_which_it_may(
    every_version: str, api: Api, station: str
):
    await api.register(station, ocppVersions=["ocpp2.1", "ocpp1.6"])

    ws = await open_ws(every_version, station, PASSWORD, subprotocols=["ocpp2.0.1"])

    assert ws.subprotocol is None
    assert await closed_with(ws) == (1002, "OCPP subprotocol required: ocpp2.1 or ocpp1.6")


async def test_a_change_of_ocpp_versions_applies_at_the_next_connection_despite_the_cache(
    every_version: str, api: Api, station: str
):
    assert await negotiated(every_version, station, ALL) == "ocpp2.1"  # now cached for 60 s

    await api.register(station, ocppVersions=["ocpp1.6"])
    assert await negotiated(every_version, station, ALL) == "ocpp1.6"

    await api.register(station, ocppVersions=None)
    assert await negotiated(every_version, station, ALL) == "ocpp2.1"


async def test_a_connection_whose_version_is_no_longer_allowed_is_closed_and_renegotiates(
    every_version: str, api: Api, station: str
):
    ws = await open_ws(every_version, station, PASSWORD, subprotocols=["ocpp1.6", "ocpp2.0.1"])
    assert ws.subprotocol == "ocpp2.0.1"
    # A list that still holds the connection's version leaves it open...
    await api.register(station, ocppVersions=["ocpp2.0.1", "ocpp1.6"])
    await ws.send('[2,"hb1","Heartbeat",{}]')
    async with asyncio.timeout(10):
        assert '"hb1"' in str(await ws.recv())

    # ...one without it ends it, saying why; the station reconnects with what is allowed.
    await api.register(station, ocppVersions=["ocpp1.6"])
    assert await closed_with(ws) == (
        1008,
        "OCPP version ocpp2.0.1 no longer allowed for this station",
    )
    assert await negotiated(every_version, station, ["ocpp1.6", "ocpp2.0.1"]) == "ocpp1.6"


@pytest.mark.parametrize("version", ALL)
async def test_the_negotiated_version_is_announced_and_shown_by_the_api(
    cluster: Cluster, every_version: str, api: Api, station: str, version: str
):
    key = names.event_key(names.EVENT_STATION_CONNECTED, station)
    async with event_queue(cluster.amqp_url, key) as queue:
        ws = await open_ws(every_version, station, PASSWORD, subprotocols=[version])
        try:
            assert ws.subprotocol == version
            [event] = await Tap(queue).events(1)
            assert event["ocppVersion"] == version

            async def shown() -> Any:
                _, view = await api.request("GET", f"/stations/{station}")
                connection = view["connection"]
                return connection and connection["ocppVersion"] == version and connection

            assert await eventually(shown)
        finally:
            await ws.close()


async def _first_inbound_of(cluster: Cluster, station: str, send: Any) -> Inbound:
    """The Inbound the gateway publishes for ``station`` after ``send()``, taken from
    ocpp.inbound ahead of the workers by a consumer of higher priority, and dropped."""
    connection = await aio_pika.connect(cluster.amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=10)
        queue = await channel.get_queue(names.INBOUND_QUEUE, ensure=False)
        async with queue.iterator(arguments={"x-priority": 100}) as messages:
            await asyncio.sleep(0.2)  # the consumer is registered before the frame is sent
            await send()
            async with asyncio.timeout(10):
                async for message in messages:
                    item = envelope.unpack(Inbound, message.body)
                    if item.station == station:
                        await message.ack()
                        return item
                    await message.reject(requeue=True)
    raise AssertionError("no inbound message")


@pytest.mark.parametrize(
    ("version", "frame"),
    [
        ("ocpp2.0.1", '[2,"{id}","Heartbeat",{{}}]'),
        # Not a 2.0.1 action: forwarded all the same, as the station speaks 1.6.
        (
            "ocpp1.6",
            '[2,"{id}","StartTransaction",{{"connectorId":1,"idTag":"T","meterStart":0,'
            '"timestamp":"2026-01-01T00:00:00Z"}}]',
        ),
        ("ocpp2.1", '[2,"{id}","Heartbeat",{{}}]'),
    ],
)
async def test_each_frame_travels_with_the_negotiated_version(
    cluster: Cluster, every_version: str, station: str, version: str, frame: str
):
    ws = await open_ws(every_version, station, PASSWORD, subprotocols=[version])
    message_id = uuid.uuid4().hex[:12]
    try:
        item = await _first_inbound_of(
            cluster, station, lambda: ws.send(frame.format(id=message_id))
        )
    finally:
        await ws.close()

    assert item.message_id == message_id
    assert item.ocpp_version == version
