"""The queues whose order or single writer matters have one active consumer at a time, on
the real broker: of two workers consuming ``ocpp.sites`` (or ``ocpp.presence``), one gets
every message while it lives and the other takes over, with what was not acked, when it
goes (``workers/sites.py`` relies on it: one worker recomputes sites at a time)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from shared import bus, names
from tests.conftest import AMQP_URL
from tests.test_end_to_end import eventually


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
async def vhost_url() -> AsyncIterator[str]:
    """A vhost of its own: the test cluster's workers consume the shared one's queues."""
    if shutil.which("rabbitmqctl") is None or rabbitmqctl("list_vhosts").returncode != 0:
        pytest.skip("rabbitmqctl cannot reach the broker")
    vhost = f"sac-test-{uuid.uuid4().hex[:8]}"
    assert rabbitmqctl("add_vhost", vhost).returncode == 0
    try:
        user = urlsplit(AMQP_URL).username or "guest"
        assert rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*").returncode == 0
        yield urlsplit(AMQP_URL)._replace(path=f"/{vhost}").geturl()
    finally:
        rabbitmqctl("delete_vhost", vhost)


class Consumer:
    def __init__(self, name: str, got: list[tuple[str, bytes]]) -> None:
        self.name, self.got = name, got

    async def __call__(self, message: AbstractIncomingMessage) -> None:
        self.got.append((self.name, message.body))
        await message.ack()


@pytest.mark.parametrize("queue_name", [names.SITES_QUEUE, names.PRESENCE_QUEUE])
async def test_one_consumer_gets_everything_until_it_goes(vhost_url: str, queue_name: str):
    got: list[tuple[str, bytes]] = []

    async def received(count: int) -> bool:
        return len(got) >= count

    first = await aio_pika.connect(vhost_url)
    second = await aio_pika.connect(vhost_url)
    publisher = await aio_pika.connect(vhost_url)
    async with second, publisher:
        channels = [await c.channel() for c in (first, second)]
        await bus.declare_topology(channels[0])
        for name, channel in zip(("first", "second"), channels, strict=True):
            await channel.set_qos(prefetch_count=10)
            queue = await channel.get_queue(queue_name)
            await queue.consume(Consumer(name, got))
        out = await publisher.channel()
        for i in range(20):
            await out.default_exchange.publish(aio_pika.Message(b"%d" % i), routing_key=queue_name)
        assert await eventually(lambda: received(20), timeout=5)
        assert {name for name, _ in got} == {"first"}
        assert [body for _, body in got] == [b"%d" % i for i in range(20)]  # in order

        await first.close()  # the active worker goes: the other takes over
        for i in range(20, 25):
            await out.default_exchange.publish(aio_pika.Message(b"%d" % i), routing_key=queue_name)
        assert await eventually(lambda: received(25), timeout=5)
        assert {name for name, _ in got[20:]} == {"second"}
