"""The permission regexes of deploy/k8s, applied to a real RabbitMQ with rabbitmqctl.

Each identity of ``bus_policy`` becomes a user ``permtest-<run>-<identity>`` on a vhost of this
run's own, with exactly the regexes of its Permission manifest; the test then does, with
aio-pika and the project's own bus code, what the component does (it must work) and what it
must not do (the broker must refuse). Users and vhost are deleted afterwards. rabbitmqctl must
reach the broker (as root on the test machine); otherwise the module is skipped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import quote, urlparse

import aio_pika
import orjson
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from aiormq.exceptions import ChannelAccessRefused

from api.console import live
from shared import bus, commands, envelope, names
from shared.commands import CommandClient
from shared.envelope import Command, Inbound
from shared.events import EventPublisher
from tests.conftest import AMQP_URL
from tests.deploy import bus_policy

RUN = uuid.uuid4().hex[:6]
VHOST = f"csms-perm-test-{RUN}"
PASSWORD = uuid.uuid4().hex
STATION = "CS-PERM-1"


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60, check=False
    )


def user(identity: str) -> str:
    return f"permtest-{RUN}-{identity}"


@pytest.fixture(scope="module")
def broker() -> Iterator[dict[str, str]]:
    """The vhost and one user per identity; yields each identity's AMQP URL."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed")
    probe = rabbitmqctl("list_vhosts")
    if probe.returncode != 0:
        reason = "run the tests as root" if os.geteuid() != 0 else probe.stderr.strip()[:200]
        pytest.skip(f"rabbitmqctl cannot reach the broker ({reason})")
    granted = bus_policy.permissions(
        bus_policy.load(bus_policy.USERS_FILE, *bus_policy.INTEGRATION_FILES)
    )
    target = urlparse(AMQP_URL)
    created: list[str] = []
    try:
        assert rabbitmqctl("add_vhost", VHOST).returncode == 0
        urls = {}
        for identity, regexes in granted.items():
            name = user(identity)
            done = rabbitmqctl("add_user", name, PASSWORD)
            assert done.returncode == 0, done.stderr
            created.append(name)
            done = rabbitmqctl(
                "set_permissions", "-p", VHOST, name, *(regexes[k] for k in bus_policy.KINDS)
            )
            assert done.returncode == 0, done.stderr
            urls[identity] = (
                f"amqp://{name}:{PASSWORD}@{target.hostname}:{target.port or 5672}/"
                f"{quote(VHOST, safe='')}"
            )
        yield urls
    finally:
        for name in created:
            rabbitmqctl("delete_user", name)
        rabbitmqctl("delete_vhost", VHOST)


@pytest.fixture
async def connect(broker: dict[str, str]) -> AsyncIterator[Callable[..., Any]]:
    opened: list[AbstractRobustConnection] = []

    async def open_as(identity: str) -> AbstractRobustConnection:
        connection = await bus.connect(broker[identity], give_up_after=10)
        opened.append(connection)
        return connection

    yield open_as
    for connection in opened:
        await connection.close()


async def topology_as_gateway(connect: Callable[..., Any]) -> AbstractChannel:
    channel = await (await connect(bus_policy.GATEWAY)).channel(publisher_confirms=True)
    await bus.declare_topology(channel)
    return channel


async def refused(connection: AbstractRobustConnection, action: Callable[..., Awaitable[Any]]):
    """Run ``action(channel)`` on a fresh channel and expect the broker's ACCESS_REFUSED."""
    channel = await connection.channel(publisher_confirms=True)
    with pytest.raises(ChannelAccessRefused):
        await asyncio.wait_for(action(channel), 10)


async def ignore(message: AbstractIncomingMessage) -> None:
    """A consumer that does nothing: only being allowed to consume is tested."""


def inbound(message_id: str) -> aio_pika.Message:
    item = Inbound(STATION, "gw", "c1", 2, message_id, "Heartbeat", "[2]", time.time())
    return aio_pika.Message(envelope.pack(item), type=names.TYPE_INBOUND, message_id=message_id)


def command(reply_to: str | None = None) -> Command:
    return Command(commands.new_command_id(), STATION, "Reset", {"type": "Immediate"}, 5, reply_to)


async def to_default(channel: AbstractChannel, queue: str) -> None:
    await channel.default_exchange.publish(inbound("m1"), routing_key=queue)


async def to_exchange(channel: AbstractChannel, exchange: str, key: str = STATION) -> None:
    target = await channel.get_exchange(exchange, ensure=False)
    await target.publish(aio_pika.Message(b"{}", type=names.TYPE_COMMAND), routing_key=key)


async def consume(channel: AbstractChannel, queue: str) -> None:
    await (await channel.get_queue(queue, ensure=False)).consume(ignore)


async def bind_own_queue_to(channel: AbstractChannel, queue: str, exchange: str) -> None:
    own = await channel.declare_queue(f"{queue}-{uuid.uuid4().hex[:6]}", exclusive=True)
    await own.bind(exchange, routing_key="#")


async def test_the_gateway_does_what_it_does_and_no_more(connect: Callable[..., Any]) -> None:
    connection = await connect(bus_policy.GATEWAY)
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    await bus.declare_topology(channel)
    own = await channel.declare_queue(bus_policy.GATEWAY_QUEUE, exclusive=True, auto_delete=True)
    await own.consume(ignore, no_ack=True)
    stations = await channel.get_exchange(names.STATION_EXCHANGE)
    await own.bind(stations, routing_key=STATION)
    await channel.default_exchange.publish(inbound("g1"), names.INBOUND_QUEUE, mandatory=True)
    await channel.default_exchange.publish(inbound("g2"), names.RPC_QUEUE, mandatory=True)
    await EventPublisher(await channel.get_exchange(names.EVENTS_EXCHANGE)).publish(
        names.EVENT_STATION_CONNECTED, STATION
    )
    # Takeover notices go through ocpp.takeover; ocpp.station, where commands go, is closed
    # to it (deploy/README.md).
    takeover = aio_pika.Message(b"c1", type=names.TYPE_TAKEOVER, headers={"station": STATION})
    takeovers = await channel.get_exchange(names.TAKEOVER_EXCHANGE)
    await takeovers.publish(takeover, routing_key=STATION, mandatory=False)
    await own.unbind(stations, routing_key=STATION)

    # It may not take station frames or handshake checks away from the workers, listen to
    # another service's queue or hold a command client's queue.
    await refused(connection, lambda ch: consume(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: consume(ch, names.RPC_QUEUE))
    await refused(connection, lambda ch: ch.declare_queue(bus_policy.COMMAND_QUEUE, exclusive=True))
    await refused(connection, lambda ch: ch.declare_queue(bus_policy.READER_QUEUE))
    await refused(connection, lambda ch: to_exchange(ch, "amq.topic"))
    await refused(connection, lambda ch: to_exchange(ch, names.STATION_EXCHANGE))


async def test_workers_and_api_do_what_they_do(connect: Callable[..., Any]) -> None:
    await topology_as_gateway(connect)
    for identity, consumed in (
        (bus_policy.WORKERS, (names.INBOUND_QUEUE, names.RPC_QUEUE, names.PRESENCE_QUEUE)),
        (bus_policy.API, ()),
    ):
        connection = await connect(identity)
        channel = await connection.channel(publisher_confirms=True)
        await bus.declare_topology(channel)
        await bus.route_takeovers(channel)
        if identity == bus_policy.WORKERS:
            await bus.route_site_limits(channel)
        for queue in consumed:
            await consume(channel, queue)
        await EventPublisher(await channel.get_exchange(names.EVENTS_EXCHANGE)).publish(
            names.EVENT_API_AUDIT, STATION
        )
        # No gateway holds the station: offline, recorded in ocpp.inbound (default exchange).
        client = await CommandClient.start(connection)
        result = await client.send(STATION, "Reset", {"type": "Immediate"}, timeout=2)
        assert result is not None and result.status == commands.OFFLINE, identity
        await channel.default_exchange.publish(inbound("w1"), bus_policy.GATEWAY_QUEUE)
        # Neither may bind a queue to ocpp.station, which would copy a station's commands.
        await refused(
            connection,
            lambda ch: bind_own_queue_to(ch, bus_policy.COMMAND_QUEUE, names.STATION_EXCHANGE),
        )
        await refused(connection, lambda ch: ch.declare_queue(bus_policy.GATEWAY_QUEUE))
        if identity == bus_policy.API:
            # The console's live feed: its own queue, bound to ocpp.events for the fleet, a
            # station or a site.
            feed = await live.Feed.start(connection)
            for topic in (None, (live.STATION, STATION), (live.SITE, "SITE-1")):
                await feed.unsubscribe(await feed.subscribe(topic))
            await refused(connection, lambda ch: consume(ch, names.INBOUND_QUEUE))
            # Site limits are the workers' alone: the API neither declares nor binds them.
            await refused(connection, lambda ch: bus.route_site_limits(ch))


async def test_keda_may_only_read_the_queue_length(connect: Callable[..., Any]) -> None:
    await topology_as_gateway(connect)
    connection = await connect(bus_policy.KEDA)
    channel = await connection.channel()
    queue = await channel.declare_queue(names.INBOUND_QUEUE, passive=True)
    assert queue.declaration_result.message_count is not None
    await refused(connection, lambda ch: consume(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: to_default(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: bus.declare_topology(ch))


async def test_an_events_reader_reads_events_and_publishes_nothing(
    connect: Callable[..., Any],
) -> None:
    gateway = await topology_as_gateway(connect)
    connection = await connect(bus_policy.EVENTS_READER)
    channel = await connection.channel()
    queue = await channel.declare_queue(bus_policy.READER_QUEUE, exclusive=True)
    await queue.bind(names.EVENTS_EXCHANGE, routing_key=f"{names.EVENT_STATION_BOOTED}.#")
    events = EventPublisher(await gateway.get_exchange(names.EVENTS_EXCHANGE))
    await events.publish(names.EVENT_STATION_BOOTED, STATION, status="Accepted")
    message = await queue.get(timeout=5, fail=False)
    for _ in range(50):
        if message is not None:
            break
        await asyncio.sleep(0.1)
        message = await queue.get(timeout=5, fail=False)
    assert message is not None
    assert orjson.loads(message.body)["station"] == STATION

    await refused(connection, lambda ch: to_exchange(ch, names.STATION_EXCHANGE))
    await refused(connection, lambda ch: to_default(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: to_exchange(ch, names.EVENTS_EXCHANGE, "x.y.z"))
    await refused(connection, lambda ch: consume(ch, names.INBOUND_QUEUE))
    await refused(
        connection,
        lambda ch: bind_own_queue_to(ch, f"{bus_policy.EVENTS_READER}.spy", names.STATION_EXCHANGE),
    )


async def test_a_command_sender_sends_commands_as_the_api_does(
    connect: Callable[..., Any],
) -> None:
    gateway = await topology_as_gateway(connect)
    held = await gateway.declare_queue(bus_policy.GATEWAY_QUEUE, exclusive=True)
    await held.bind(names.STATION_EXCHANGE, routing_key=STATION)
    connection = await connect(bus_policy.COMMAND_SENDER)
    client = await CommandClient.start(connection, record_offline=False)
    # Held by a gateway: the Command envelope arrives in its queue.
    assert await client.send(STATION, "Reset", {"type": "Immediate"}, wait=False) is None
    message = await held.get(timeout=5, fail=False)
    assert message is not None and message.type == names.TYPE_COMMAND
    assert envelope.unpack(Command, message.body).reply_to is None
    # Not held: offline at once, and the client's channel survives (nothing sent to inbound).
    result = await client.send("CS-NOBODY", "Reset", {"type": "Immediate"}, timeout=2)
    assert result is not None and result.status == commands.OFFLINE
    assert await client.send(STATION, "Reset", {"type": "Immediate"}, wait=False) is None

    await refused(connection, lambda ch: to_default(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: to_default(ch, bus_policy.GATEWAY_QUEUE))
    await refused(connection, lambda ch: to_exchange(ch, names.EVENTS_EXCHANGE, "x.y.z"))
    await refused(connection, lambda ch: consume(ch, names.INBOUND_QUEUE))


async def test_an_energy_manager_publishes_site_limits_and_nothing_else(
    connect: Callable[..., Any],
) -> None:
    workers = await (await connect(bus_policy.WORKERS)).channel()
    await bus.declare_topology(workers)
    await bus.route_site_limits(workers)
    await (await workers.get_queue(names.SITES_QUEUE)).purge()
    connection = await connect(bus_policy.ENERGY_MANAGER)
    channel = await connection.channel(publisher_confirms=True)
    limits = await channel.get_exchange(names.SITE_LIMITS_EXCHANGE, ensure=False)
    body = orjson.dumps({"siteId": "DEPOT-A", "maxCurrent": 120.0, "source": "EMS"})
    await limits.publish(aio_pika.Message(body, type=names.TYPE_SITE_LIMIT), routing_key="")
    # It reaches the sites queue, where the worker recomputing sites takes it.
    queue = await workers.get_queue(names.SITES_QUEUE)
    message = await queue.get(timeout=5, fail=False)
    for _ in range(50):
        if message is not None:
            break
        await asyncio.sleep(0.1)
        message = await queue.get(timeout=5, fail=False)
    assert message is not None and message.type == names.TYPE_SITE_LIMIT
    assert message.exchange == names.SITE_LIMITS_EXCHANGE
    assert orjson.loads(message.body)["siteId"] == "DEPOT-A"
    await message.ack()

    await refused(connection, lambda ch: to_exchange(ch, names.STATION_EXCHANGE))
    await refused(connection, lambda ch: to_exchange(ch, names.EVENTS_EXCHANGE, "x.y.z"))
    await refused(connection, lambda ch: to_default(ch, names.SITES_QUEUE))
    await refused(connection, lambda ch: to_default(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: consume(ch, names.SITES_QUEUE))
    await refused(connection, lambda ch: consume(ch, names.INBOUND_QUEUE))
    await refused(connection, lambda ch: ch.declare_queue(bus_policy.COMMAND_QUEUE, exclusive=True))
    await refused(connection, lambda ch: bus.route_site_limits(ch))
