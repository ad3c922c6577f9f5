"""Real processes for the integration tests: gateways, workers and the API, started as
``python -m ...`` exactly as in production, against the RabbitMQ and MongoDB/FerretDB that
``make test`` started (or the ones AMQP_URL / MONGO_URL point at)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika

from bench.stack import free_port, inbound_consumers
from shared import bus, names, pki

ROOT = Path(__file__).resolve().parent.parent
# The cluster's MASTER_PASS_GROUP_ID (C16); tokens of other tests never join this group.
MASTER_PASS_GROUP_ID = "MASTERPASS-TEST"


def log_lines(path: Path) -> list[dict[str, Any]]:
    """A process's JSON log as records (lines that are not JSON, e.g. tracebacks, skipped)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


class Cluster:
    def __init__(self, amqp_url: str, mongo_url: str, log_dir: Path) -> None:
        self.amqp_url = amqp_url
        self.mongo_url = mongo_url
        self.mongo_db = f"csms_test_{uuid.uuid4().hex[:8]}"
        self.log_dir = log_dir
        self.gateway_port = free_port()
        self.tls_port = free_port()
        self.api_port = free_port()
        self.pki = pki.dev_certificates(log_dir / "pki", ["localhost", "127.0.0.1"])
        # One key for the API and every worker, as in production; fresh per test run.
        self.password_key = secrets.token_hex(32)
        # The operator API's bootstrap admin key (API_ADMIN_KEY), sent by tests.conftest.Api.
        self.admin_key = secrets.token_urlsafe(32)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.health_ports: dict[str, int] = {}
        self._count = 0

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.gateway_port}/ocpp"

    @property
    def wss_url(self) -> str:
        return f"wss://127.0.0.1:{self.tls_port}/ocpp"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/api/v1"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            AMQP_URL=self.amqp_url,
            MONGO_URL=self.mongo_url,
            MONGO_DB=self.mongo_db,
            API_ADMIN_KEY=self.admin_key,
            GATEWAY_LISTEN=f"127.0.0.1:{self.gateway_port}",
            API_LISTEN=f"127.0.0.1:{self.api_port}",
            LOG_LEVEL="INFO",
            GATEWAY_MAX_FRAME_BYTES="65536",
            GATEWAY_AUTH_CACHE_SECONDS="0",
            GATEWAY_TLS_LISTEN=f"127.0.0.1:{self.tls_port}",
            GATEWAY_TLS_CERT=str(self.pki["server-rsa"]),
            GATEWAY_TLS_KEY=str(self.pki["server-rsa-key"]),
            GATEWAY_TLS_EC_CERT=str(self.pki["server-ec"]),
            GATEWAY_TLS_EC_KEY=str(self.pki["server-ec-key"]),
            GATEWAY_TRUSTED_PROXIES="127.0.0.2",
            CA_CERT_FILE=str(self.pki["ca"]),
            CA_KEY_FILE=str(self.pki["ca-key"]),
            STATION_PASSWORD_KEY=self.password_key,
            STATION_PASSWORD_KEY_PREVIOUS="",
            MASTER_PASS_GROUP_ID=MASTER_PASS_GROUP_ID,
            SITE_RETRY_SECONDS="3",
            SITE_SWEEP_SECONDS="1",
            COST_UPDATE_INTERVAL="1",
            TARIFF_CACHE_SECONDS="0",
            OCSP_TIMEOUT="2",
        )
        env.update(extra)
        return env

    def workers(self) -> list[str]:
        return [name for name in self.procs if name.startswith("workers-")]

    def start(self, module: str, **extra: str) -> str:
        self._count += 1
        name = f"{module}-{self._count}"
        if module in ("gateway", "workers") and "HEALTH_LISTEN" not in extra:
            self.health_ports[name] = free_port()
            extra["HEALTH_LISTEN"] = f"127.0.0.1:{self.health_ports[name]}"
        log = open(self.log_dir / f"{name}.log", "wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return name

    async def start_gateway(self, **extra: str) -> tuple[str, str]:
        """Another gateway process on ports of its own; returns its name and ws:// URL.

        Its wss:// port is a free one unless ``GATEWAY_TLS_LISTEN`` is given."""
        port = free_port()
        extra.setdefault("GATEWAY_TLS_LISTEN", f"127.0.0.1:{free_port()}")
        name = self.start("gateway", GATEWAY_LISTEN=f"127.0.0.1:{port}", **extra)
        for _ in range(150):
            if _port_open(port):
                return name, f"ws://127.0.0.1:{port}/ocpp"
            await asyncio.sleep(0.1)
        raise RuntimeError(f"gateway {name} did not start\n{self.logs()}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        return proc.wait(timeout=30)

    def signal(self, name: str, sig: int) -> None:
        self.procs[name].send_signal(sig)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.terminate()
        for name in list(self.procs):
            try:
                self.procs.pop(name).wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass

    def logs(self) -> str:
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            out.append(f"==== {path.name}\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(out)

    async def reset_bus(self) -> None:
        """Start from empty shared queues, whatever an earlier run left behind."""
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            await bus.declare_topology(channel)
            for queue in (
                names.INBOUND_QUEUE,
                names.RPC_QUEUE,
                names.PRESENCE_QUEUE,
                names.SITES_QUEUE,
            ):
                await (await channel.get_queue(queue)).purge()

    async def inbound_consumers(self) -> int:
        return await inbound_consumers(self.amqp_url)

    async def wait_ready(self, workers: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{dead} exited early\n{self.logs()}")
            if (
                _port_open(self.gateway_port)
                and _port_open(self.tls_port)
                and _port_open(self.api_port)
                and await self.inbound_consumers() >= workers
            ):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"cluster not ready in {timeout}s\n{self.logs()}")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
