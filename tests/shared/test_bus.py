"""The first connection to RabbitMQ is retried with backoff, logged, and finally given up."""

from __future__ import annotations

import asyncio
import logging
import time

import aio_pika
import pytest

from shared import bus
from tests.cluster import free_port
from tests.conftest import AMQP_URL
from tests.proxy import Proxy


async def test_unreachable_broker_is_retried_with_warnings_then_raises(
    caplog: pytest.LogCaptureFixture,
):
    url = f"amqp://guest:guest@127.0.0.1:{free_port()}/"  # nothing listens there
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bus"), pytest.raises((ConnectionError, OSError)):
        await bus.connect(url, give_up_after=1.5)
    assert time.monotonic() - started >= 1.0
    retries = [r for r in caplog.records if r.name == "bus" and "Retrying" in r.getMessage()]
    assert len(retries) >= 2


async def test_a_lost_connection_is_back_within_a_second_of_the_broker(
    caplog: pytest.LogCaptureFixture,
):
    """A 2 s outage costs about 2 s: the first retry is at once and the pauses start short
    (aio-pika's own fixed 5 s pause made it cost 5 s), and the attempts' log lines are
    rate-limited."""
    caplog.set_level(logging.WARNING)
    proxy = await Proxy.before(AMQP_URL, 5672).start()
    connection = await bus.connect(proxy.url(AMQP_URL))
    reconnected = asyncio.Event()
    connection.reconnect_callbacks.add(lambda *_: reconnected.set())
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        # Up for longer than aio-pika's pause, as a connection usually is when it is lost.
        await asyncio.sleep(5.5)
        proxy.cut()
        cut_at = time.monotonic()
        await asyncio.sleep(2.0)
        proxy.restore()
        opened_at = time.monotonic()
        async with asyncio.timeout(15):
            await reconnected.wait()
        back_at = time.monotonic()
        print(f"outage {opened_at - cut_at:.2f} s, back {back_at - opened_at:.2f} s after")
        assert back_at - opened_at < 1.0, f"back {back_at - cut_at:.2f} s after the cut"
        attempts = [r for r in caplog.records if r.name == "aio_pika.robust_connection"]
        assert 1 <= len(attempts) <= bus.ATTEMPT_LOG_LINES_PER_MINUTE
        errors = [r for r in caplog.records if r.name == "aiormq.connection"]
        assert len(errors) <= bus.ATTEMPT_LOG_LINES_PER_MINUTE
        assert any(
            r.name == "bus" and r.getMessage() == "reconnected to RabbitMQ" and r.downSeconds >= 2
            for r in caplog.records
        )
        # The channel and its queue were restored, and carry messages again.
        await channel.default_exchange.publish(aio_pika.Message(b"again"), queue.name)
        async with asyncio.timeout(5), queue.iterator(no_ack=True) as messages:
            message = await anext(messages)
        assert message.body == b"again"
    finally:
        await connection.close()
        await proxy.close()
