"""A gateway trusts a bus message only from the exchange that kind of message comes from:
commands from ``ocpp.station`` (which gateways may not publish to), takeover notices from
``ocpp.takeover``. So gateway credentials, or the default exchange every CSMS component may
publish to, cannot make a gateway send a station a command."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid

import aio_pika
import pytest
from websockets.exceptions import ConnectionClosed

from shared import envelope, names
from shared.envelope import Command
from shared.ocppj import Call
from tests.cluster import Cluster
from tests.conftest import PASSWORD
from tests.simulator import BOOT, RawStation, open_ws, raw_station


def _command(station: str) -> aio_pika.Message:
    command = Command(uuid.uuid4().hex, station, "Reset", {"type": "Immediate"}, 30.0)
    return aio_pika.Message(
        envelope.pack(command),
        content_type=envelope.CONTENT_TYPE,
        type=names.TYPE_COMMAND,
        message_id=command.command_id,
    )


async def _gets_a_call(raw: RawStation, within: float) -> bool:
    try:
        return isinstance(await raw.receive(timeout=within), Call)
    except TimeoutError:
        return False


async def test_a_command_from_anywhere_but_ocpp_station_is_dropped(cluster: Cluster, station: str):
    gateway_id = f"gw-src-{uuid.uuid4().hex[:6]}"
    name, url = await cluster.start_gateway(GATEWAY_ID=gateway_id)
    connection = await aio_pika.connect(cluster.amqp_url)
    try:
        async with raw_station(url, station, PASSWORD) as raw, connection:
            await raw.call("BootNotification", BOOT)
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            takeovers = await channel.get_exchange(names.TAKEOVER_EXCHANGE)
            await takeovers.publish(_command(station), routing_key=station)
            queue = names.gateway_queue(gateway_id)
            # mandatory: raises if no such queue, so this part cannot pass vacuously
            await channel.default_exchange.publish(
                _command(station), routing_key=queue, mandatory=True
            )
            assert not await _gets_a_call(raw, within=1.5)
            # The same command from ocpp.station reaches the station: the test can tell.
            stations = await channel.get_exchange(names.STATION_EXCHANGE)
            await stations.publish(_command(station), routing_key=station)
            assert await _gets_a_call(raw, within=5)
    finally:
        cluster.kill(name, signal.SIGTERM)


async def test_a_station_that_connects_to_another_gateway_is_dropped_by_the_first(
    cluster: Cluster, station: str
):
    name, url = await cluster.start_gateway()
    try:
        first = RawStation(await open_ws(cluster.ws_url, station, PASSWORD))
        await first.call("BootNotification", BOOT)
        async with raw_station(url, station, PASSWORD):
            started = time.monotonic()
            with pytest.raises(ConnectionClosed):
                async with asyncio.timeout(10):
                    await first.ws.recv()
            assert time.monotonic() - started < 10
    finally:
        cluster.kill(name, signal.SIGTERM)
