"""A handshake check whose gateway has stopped waiting is dropped, not computed.

In a reconnect storm the checks queue up; without this, workers spent the storm running
scrypt for handshakes already answered 503 (measured: 300 checks queued, 219 of 2,000
stations connected after 60 s), and every retry queued behind them again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aio_pika
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import envelope, names
from shared.envelope import AuthRequest, AuthResult
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD
from workers import rpc


def request(station: str, deadline: float, password: str = PASSWORD) -> AuthRequest:
    return AuthRequest(station=station, password=password, remote="test", deadline=deadline)


def test_a_deadline_of_zero_never_expires():
    now = time.time()
    assert not request("S", 0).expired(now)
    assert not request("S", now + 5).expired(now)
    assert request("S", now - 0.001).expired(now)


async def test_an_expired_check_is_dropped_before_the_store_is_read(
    db: AsyncDatabase[Any], station: str
):
    with pytest.raises(rpc.Expired):
        await rpc.authenticate(db, request("NEVER-REGISTERED", time.time() - 1))
    assert (await rpc.authenticate(db, request(station, time.time() + 5))).status == "ok"
    assert (await rpc.authenticate(db, request(station, 0))).status == "ok"


async def test_scrypt_is_skipped_when_the_deadline_passed_while_waiting_for_a_thread(
    db: AsyncDatabase[Any], station: str
):
    stored = (await db[names.STATIONS].find_one({"_id": station}))["passwordHash"]
    late = request(station, time.time() - 0.01, password="Another-Password-0123456789")
    with pytest.raises(rpc.Expired):
        await rpc._password_matches(late, late.password or "", stored)
    # A password this worker verified before costs no scrypt, so it is still answered.
    assert await rpc._password_matches(request(station, 0), PASSWORD, stored)
    assert await rpc._password_matches(request(station, time.time() - 1), PASSWORD, stored)


async def ask(channel: aio_pika.abc.AbstractChannel, check: AuthRequest) -> AuthResult | None:
    """Send a check the way the gateway does; the answer, or None after 2 s of silence."""
    replies = await channel.declare_queue(exclusive=True, auto_delete=True)
    correlation = uuid.uuid4().hex
    await channel.default_exchange.publish(
        aio_pika.Message(
            envelope.pack(check),
            content_type=envelope.CONTENT_TYPE,
            type=names.TYPE_AUTH,
            correlation_id=correlation,
            reply_to=replies.name,
        ),
        routing_key=names.RPC_QUEUE,
    )
    try:
        async with asyncio.timeout(2):
            async with replies.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    if message.correlation_id == correlation:
                        return envelope.unpack(AuthResult, message.body)
    except TimeoutError:
        return None
    return None


async def test_workers_answer_a_live_check_and_drop_an_expired_one(cluster: Cluster, station: str):
    connection = await aio_pika.connect(cluster.amqp_url)
    async with connection:
        channel = await connection.channel()
        answer = await ask(channel, request(station, time.time() + 5))
        assert answer is not None and answer.status == "ok"
        assert await ask(channel, request(station, time.time() - 1)) is None
        assert await ask(channel, request(station, time.time() - 600)) is None  # clock skew
    dropped = [
        line
        for path in cluster.log_dir.glob("workers-*.log")
        for line in log_lines(path)
        if line["msg"].startswith("auth check dropped") and line["station"] == station
    ]
    assert sorted(line["level"] for line in dropped) == ["info", "warning"]
    assert "clock" in next(line["msg"] for line in dropped if line["level"] == "warning")
