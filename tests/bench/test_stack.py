"""bench.stack starts the processes it is asked for on a fresh database, runs the load
generator through them, compares what the stations had answered with what is stored, and
stops everything it started."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from bench.stack import answered_transaction_events, free_port, parse_args
from shared import bus, names
from tests.conftest import AMQP_URL, MONGO_URL

ROOT = Path(__file__).resolve().parents[2]
# Not the test cluster's vhost: its workers would answer part of the load from their own
# database. scripts/services.sh creates this one.
BENCH_AMQP_URL = urlsplit(AMQP_URL)._replace(path="/csms-bench-test").geturl()


@pytest.fixture
async def bench_broker() -> str:
    """Skips where the vhost is missing: the compose RabbitMQ of ``--docker``, or a broker
    of one's own given with AMQP_URL."""
    try:
        connection = await aio_pika.connect(BENCH_AMQP_URL)
    except Exception as exc:
        pytest.skip(f"no csms-bench-test vhost at {BENCH_AMQP_URL}: {exc!r}")
    await connection.close()
    return BENCH_AMQP_URL


def stack(tmp_path: Path, amqp_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMQP_URL": amqp_url, "MONGO_URL": MONGO_URL}
    command = [sys.executable, "-m", "bench.stack", "--logs", str(tmp_path), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_arguments_after_the_double_dash_go_to_the_load_generator():
    args, loadgen = parse_args(["--workers", "3", "--", "--stations", "5"])
    assert (args.workers, args.gateways) == (3, 1)
    three = parse_args(["--gateways", "3", "--gateway-port", "9100"])[0]
    assert three.gateway_port == [9100, 9101, 9102]
    assert args.database.startswith("bench_") and loadgen == ["--stations", "5"]
    assert parse_args(["--database", "x"])[1] == []


def test_answered_transaction_events_add_up_over_phases_and_event_types():
    report = {
        "phases": {
            "setup": {"actions": {"BootNotification": {"ok": 4}}},
            "load": {
                "actions": {
                    "TransactionEvent.Started": {"ok": 2},
                    "TransactionEvent.Updated": {"ok": 5},
                    "Heartbeat": {"ok": 9},
                    "StartTransaction": {"ok": 3},
                    "MeterValues.Transaction": {"ok": 7},
                    "MeterValues": {"ok": 4},
                }
            },
            "teardown": {
                "actions": {"TransactionEvent.Ended": {"ok": 2}, "StopTransaction": {"ok": 1}}
            },
        }
    }
    assert answered_transaction_events(report) == 9 + 3 + 7 + 1, "1.6's are translated ones"


def test_a_small_run_through_two_gateways_stores_every_answered_event(
    tmp_path: Path, bench_broker: str
):
    ports = free_port(), free_port(), free_port()
    database = f"bench_test_{uuid.uuid4().hex[:8]}"
    args = ["--gateways", "2", "--workers", "1", "--database", database]
    args += ["--gateway-port", f"{ports[0]},{ports[1]}", "--api-port", str(ports[2])]
    # ~60 calls: a start is drawn with p = 0.24 per call, so none at all is p < 1e-7
    args += ["--", "--stations", "10", "--rate", "10", "--duration", "6", "--ramp", "1"]
    done = stack(tmp_path, bench_broker, *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "errors by kind:\n  none" in done.stdout, done.stdout[-3000:]
    summary = r"stored: (\d+) TransactionEvents answered, (\d+) stored; .* (\d+) open"
    stored = re.search(summary, done.stdout)
    assert stored, done.stdout[-2000:]
    answered, events, still_open = map(int, stored.groups())
    assert answered > 0 and events == answered and still_open == 0
    assert (tmp_path / "gateway-2.log").exists() and (tmp_path / "loadgen.json").exists()
    for port in ports:  # everything it started is gone
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0


async def give_back(message: AbstractIncomingMessage) -> None:
    await message.nack(requeue=True)


async def test_it_refuses_a_broker_where_another_stack_consumes(tmp_path: Path, bench_broker: str):
    connection = await aio_pika.connect(bench_broker)
    try:
        channel = await connection.channel()
        await bus.declare_topology(channel)
        queue = await channel.get_queue(names.INBOUND_QUEUE)
        tag = await queue.consume(give_back)
        args = ["--workers", "1", "--gateway-port", str(free_port())]
        args += ["--api-port", str(free_port())]
        args += ["--", "--stations", "1", "--rate", "1", "--duration", "1"]  # ends if not refused
        done = await asyncio.to_thread(stack, tmp_path, bench_broker, *args)
        await queue.cancel(tag)
    finally:
        await connection.close()
    assert done.returncode != 0
    assert "already has 1 consumer(s)" in done.stderr
    assert "stack:" not in done.stdout  # nothing was started
