"""What Kubernetes relies on: health and readiness, metrics, and draining on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import aiohttp

from shared.ocppj import CallResult
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, RawStation, now, open_ws


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, await response.text()


async def test_gateway_and_workers_report_health_readiness_and_metrics(
    cluster: Cluster, api: Api, station: str
):
    raw = RawStation(await open_ws(cluster.ws_url, station, PASSWORD))
    assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
    for name, port in cluster.health_ports.items():
        if name not in cluster.procs:
            continue
        assert (await get(port, "/healthz"))[0] == 200
        status, body = await get(port, "/readyz")
        assert status == 200 and '"ready": true' in body
    gateway = next(p for n, p in cluster.health_ports.items() if n == "gateway-1")
    _, metrics = await get(gateway, "/metrics")
    connected = [
        line for line in metrics.splitlines() if line.startswith("csms_connected_stations ")
    ]
    assert connected and float(connected[0].split()[1]) >= 1
    assert 'csms_frames_in_total{action="BootNotification"}' in metrics
    for hop in (
        "gateway_queue",
        "publish_confirm",
        "broker_to_worker",
        "worker",
        "reply_to_gateway",
    ):
        assert f'csms_hop_seconds_count{{hop="{hop}"}}' in metrics
    await raw.ws.close()
    workers = [
        p
        for n, p in cluster.health_ports.items()
        if n.startswith("workers-") and n in cluster.procs
    ]
    texts = [(await get(port, "/metrics"))[1] for port in workers]
    assert any('csms_handler_seconds_count{action="BootNotification"}' in t for t in texts)
    status, body = await get(cluster.api_port, "/readyz")
    assert status == 200 and '"ready": true' in body


async def test_gateway_drains_stations_gradually_on_sigterm(cluster: Cluster, api: Api):
    name, url = await cluster.start_gateway(GATEWAY_DRAIN_SECONDS="2")
    ids = [f"DRAIN-{i}" for i in range(10)]
    for station in ids:
        await api.register(station, PASSWORD)
    stations = [RawStation(await open_ws(url, s, PASSWORD)) for s in ids]
    for raw in stations:
        assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
    closed_at: list[float] = []
    codes: list[int | None] = []

    async def wait_closed(raw: RawStation) -> None:
        await raw.ws.wait_closed()
        closed_at.append(time.monotonic())
        codes.append(raw.ws.close_code)

    waiting = [asyncio.create_task(wait_closed(raw)) for raw in stations]
    proc = cluster.procs[name]
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(*waiting), 20)
    assert codes == [1001] * len(ids)
    assert max(closed_at) - min(closed_at) >= 1.0  # spread over the window, not one storm
    assert await asyncio.to_thread(proc.wait, 20) == 0
    cluster.procs.pop(name)


async def test_worker_finishes_what_it_holds_on_sigterm(cluster: Cluster, api: Api):
    extra = cluster.start("workers")
    await cluster.wait_ready(workers=3)
    ids = [f"WDRAIN-{i}" for i in range(10)]
    for station in ids:
        await api.register(station, PASSWORD)
    stations = [RawStation(await open_ws(cluster.ws_url, s, PASSWORD)) for s in ids]

    async def traffic(raw: RawStation) -> list[Any]:
        answers = [await raw.call("BootNotification", BOOT)]
        for _ in range(30):
            answers.append(
                await raw.call(
                    "StatusNotification",
                    {
                        "timestamp": now(),
                        "connectorStatus": "Available",
                        "evseId": 1,
                        "connectorId": 1,
                    },
                )
            )
        return answers

    def redelivered() -> set[str]:
        return {
            line["messageId"]
            for path in cluster.log_dir.glob("*.log")
            for line in log_lines(path)
            if line.get("msg", "").startswith("redelivered message")
        }

    before = redelivered()
    runs = [asyncio.create_task(traffic(raw)) for raw in stations]
    extra_log = cluster.log_dir / f"{extra}.log"
    for _ in range(100):  # signal it once it is working
        if any(line.get("msg") == "handled" for line in log_lines(extra_log)):
            break
        await asyncio.sleep(0.1)
    code = await asyncio.to_thread(cluster.kill, extra, signal.SIGTERM)
    results = await asyncio.gather(*runs)
    assert code == 0
    assert all(isinstance(a, CallResult) for answers in results for a in answers)
    held = log_lines(extra_log)
    assert any(line.get("msg") == "worker drained" for line in held)
    handled = {line["messageId"] for line in held if line.get("msg") == "handled"}
    assert handled  # it was working when the signal came
    # It acked what it held instead of giving it back. (RabbitMQ 3.10 may requeue a message
    # that was on its way to the consumer when basic.cancel arrived; the worker never saw
    # that one, so only messages it handled count.)
    assert not (redelivered() - before) & handled
    for raw in stations:
        await raw.ws.close()
