"""A local stack of N gateways and M workers plus the API on a fresh database, for benchmarks;
with load generator arguments after ``--`` it runs ``bench.loadgen`` against it, checks that
every TransactionEvent the stations had answered is stored, and stops.

    .venv/bin/python -m bench.stack --gateways 2 --workers 3 -- \\
        --stations 300 --rate 150 --duration 60 --ramp 20 --settle 10

Without ``--`` it serves until Ctrl-C and prints the gateway URLs to give ``bench.loadgen``.
RabbitMQ and FerretDB must be running (``make services``), and no other stack on the same
RabbitMQ vhost (it refuses to start beside one). A fresh database per run keeps one run's
documents from slowing the next. Settings come from the
environment as for ``make run`` (``WORKER_LAST_SEEN_SECONDS=3600 python -m bench.stack ...``);
LOG_LEVEL defaults to WARNING here so logging is not what is measured; STATION_PASSWORD_KEY
to the one in ``.local/station-password.key``, as for ``make run``. Logs and the load
generator's JSON go to ``bench/results/stack-<database>/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import aio_pika.exceptions
import pymongo

from bench import cpu
from bench.loadgen.ocpp16 import STORED_AS_TRANSACTION_EVENTS
from shared import config, names, station_key

TE_PREFIX = "TransactionEvent"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ports(text: str) -> list[int]:
    return [int(port) for port in text.split(",")]


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ours, loadgen = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateways", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--gateway-port",
        type=_ports,
        default=[9000],
        help="the first gateway's port (the others follow it), or one port per gateway: A,B",
    )
    parser.add_argument("--api-port", type=int, default=8080)
    parser.add_argument("--database", help="default: a fresh bench_<timestamp>")
    parser.add_argument("--logs", type=Path, help="default: bench/results/stack-<database>")
    args = parser.parse_args(ours)
    if len(args.gateway_port) == 1:
        args.gateway_port = [args.gateway_port[0] + i for i in range(args.gateways)]
    if len(args.gateway_port) != args.gateways:
        parser.error(f"--gateway-port lists {len(args.gateway_port)} ports for {args.gateways}")
    if args.database is None:
        args.database = datetime.now(UTC).strftime("bench_%Y%m%d_%H%M%S")
    if args.logs is None:
        args.logs = Path("bench/results") / f"stack-{args.database}"
    return args, loadgen


class Stack:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.log_dir: Path = args.logs
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.health: dict[str, str] = {}
        self.env = {**os.environ, "MONGO_DB": args.database, "LOG_FORMAT": "json"}
        self.env.setdefault("LOG_LEVEL", "WARNING")
        # The key of `make run`, kept across runs: stations registered with generated
        # passwords by one run (--generated-passwords) still connect in the next.
        if not self.env.get("STATION_PASSWORD_KEY"):
            self.env["STATION_PASSWORD_KEY"] = station_key.ensure()
        if not self.env.get("API_ADMIN_KEY"):
            self.env["API_ADMIN_KEY"] = station_key.ensure(station_key.ADMIN_KEY_FILE)
        self.gateway_urls = [f"ws://127.0.0.1:{port}/ocpp" for port in args.gateway_port]
        self.api_url = f"http://127.0.0.1:{args.api_port}/api/v1"

    def _start(self, name: str, command: list[str], **env: str) -> None:
        log = open(self.log_dir / f"{name}.log", "wb")
        # Own session: a Ctrl-C in the terminal reaches this tool and the load generator,
        # which stop in order, and the servers get SIGTERM from stop(), as in Kubernetes.
        self.procs[name] = subprocess.Popen(
            command,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        python = sys.executable
        for i in range(self.args.workers):
            port = free_port()
            self.health[f"worker-{i + 1}"] = f"http://127.0.0.1:{port}/readyz"
            self._start(
                f"worker-{i + 1}", [python, "-m", "workers"], HEALTH_LISTEN=f"127.0.0.1:{port}"
            )
        for i, gateway_port in enumerate(self.args.gateway_port):
            port = free_port()
            self.health[f"gateway-{i + 1}"] = f"http://127.0.0.1:{port}/readyz"
            self._start(
                f"gateway-{i + 1}",
                [python, "-m", "gateway"],
                GATEWAY_LISTEN=f"127.0.0.1:{gateway_port}",
                HEALTH_LISTEN=f"127.0.0.1:{port}",
            )
        self.health["api"] = f"http://127.0.0.1:{self.args.api_port}/readyz"
        self._start("api", [python, "-m", "api"], API_LISTEN=f"127.0.0.1:{self.args.api_port}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        waiting = dict(self.health)
        while waiting:
            for name, url in list(waiting.items()):
                if self.procs[name].poll() is not None:
                    raise SystemExit(f"{name} exited; see {self.log_dir / name}.log")
                try:
                    with urllib.request.urlopen(url, timeout=2) as answer:
                        if answer.status == 200:
                            del waiting[name]
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise SystemExit(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
            time.sleep(0.3)

    def own_pids(self) -> dict[int, str]:
        """The processes this stack started, grouped as ``bench.cpu`` reports them."""
        return {
            proc.pid: ("workers" if name.startswith("worker") else name.split("-")[0])
            for name, proc in self.procs.items()
            if proc.poll() is None
        }

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within 60 s; killed", file=sys.stderr)
                proc.kill()


async def inbound_consumers(amqp_url: str) -> int:
    """Processes consuming ``ocpp.inbound`` on this broker and vhost: workers of a stack."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        try:
            queue = await channel.declare_queue(names.INBOUND_QUEUE, passive=True)
        except aio_pika.exceptions.ChannelClosed:  # no such queue yet: nobody consumes it
            return 0
        return int(queue.declaration_result.consumer_count or 0)
    finally:
        await connection.close()


def refuse_a_shared_broker(amqp_url: str) -> None:
    """Workers of another stack on the same vhost would take part of the load, and answer
    from their own database (stations unknown there): measure nothing rather than that."""
    try:
        consumers = asyncio.run(inbound_consumers(amqp_url))
    except Exception as exc:
        raise SystemExit(f"RabbitMQ not reachable at {amqp_url} ({exc!r}): make services") from exc
    if consumers:
        raise SystemExit(
            f"{names.INBOUND_QUEUE} already has {consumers} consumer(s) at {amqp_url}: another "
            "stack (make run?) is using this broker. Stop it, or give this one a vhost of "
            "its own with AMQP_URL."
        )


def answered_transaction_events(report: dict[str, Any]) -> int:
    """Answered calls the CSMS stores as a TransactionEvent: 2.0.1's and 2.1's own, and 1.6's
    StartTransaction, MeterValues of a transaction and StopTransaction, translated."""
    return sum(
        counts["ok"]
        for phase in report["phases"].values()
        for action, counts in phase["actions"].items()
        if action.startswith(TE_PREFIX) or action in STORED_AS_TRANSACTION_EVENTS
    )


def stored_transactions(database: str) -> tuple[int, int, int]:
    """Transaction events, transactions, and transactions still open in the database."""
    with pymongo.MongoClient[dict[str, Any]](config.load().mongo_url) as client:
        db = client[database]
        return (
            db[names.TRANSACTION_EVENTS].count_documents({}),
            db[names.TRANSACTIONS].count_documents({}),
            db[names.TRANSACTIONS].count_documents({"endedAt": {"$exists": False}}),
        )


def run_load(stack: Stack, loadgen: list[str]) -> int:
    if "--out" not in loadgen:
        loadgen = [*loadgen, "--out", str(stack.log_dir / "loadgen.json")]
    out = Path(loadgen[loadgen.index("--out") + 1])
    command = [sys.executable, "-m", "bench.loadgen", "--url", ",".join(stack.gateway_urls)]
    sampler = cpu.Sampler(stack.own_pids)
    sampler.start()
    try:
        key = {"API_KEY": stack.env["API_ADMIN_KEY"]}
        done = subprocess.run(
            [*command, "--api", stack.api_url, *loadgen], env={**os.environ, **key}
        )
    finally:
        sampler.stop()
    if done.returncode != 0 or not out.exists():
        return done.returncode or 1
    report = json.loads(out.read_text())
    window = report["load_window"]
    start, seconds = window["start"], window["seconds"]
    calls = report["phases"]["load"]["overall"]["answered"]
    print(cpu.summary(cpu.window_cpu(sampler.samples, start, start + seconds), calls, seconds))
    time.sleep(2)  # answered means stored; this only lets teardown's last answers land
    answered = answered_transaction_events(report)
    events, transactions, still_open = stored_transactions(stack.args.database)
    print(
        f"stored: {answered} TransactionEvents answered, {events} stored; "
        f"{transactions} transactions, {still_open} open"
    )
    if events < answered:
        print(f"LOST: {answered - events} answered TransactionEvents are not stored")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args, loadgen = parse_args(sys.argv[1:] if argv is None else argv)
    refuse_a_shared_broker(config.load().amqp_url)
    stack = Stack(args)
    stack.start()
    try:
        stack.wait_ready()
        print(
            f"stack: {args.gateways} gateway(s) x {args.workers} worker(s), database "
            f"{args.database}, logs in {stack.log_dir}\n"
            f"  --url {','.join(stack.gateway_urls)} --api {stack.api_url}",
            flush=True,
        )
        if loadgen:
            return run_load(stack, loadgen)
        while not STOP:
            time.sleep(0.2)
        return 0
    finally:
        stack.stop()


STOP: list[int] = []  # the signal that asked us to stop, once one has


def _stop_requested(signum: int, _frame: object) -> None:
    """Remember, do not raise: the load generator handles its own Ctrl-C (it ends its
    transactions and writes its report), and this tool checks and stops after it."""
    STOP.append(signum)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, _stop_requested)
    signal.signal(signal.SIGTERM, _stop_requested)
    sys.exit(main())
