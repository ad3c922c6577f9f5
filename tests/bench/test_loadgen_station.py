"""A simulated station leaves when the load window closes, not at its next slot, which
can be minutes away when thousands of stations share a low rate; and a few stations of each
OCPP version run their scenario through a real cluster without an error."""

import asyncio
import multiprocessing
import signal
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from bench.loadgen import worker
from bench.loadgen.__main__ import parse_args, settings_from
from bench.loadgen.register import register
from bench.loadgen.settings import MIXED_ORDER
from bench.loadgen.station import Station, Window
from bench.loadgen.stats import CONNECT, Recorder
from shared import names
from tests.bench.test_loadgen_settings import settings
from tests.cluster import Cluster


async def test_a_slot_beyond_the_window_is_not_waited_for():
    loop = asyncio.get_running_loop()
    window = Window(loop.time(), loop.time() + 0.05)
    station = Station(settings(), 0, Recorder(), window)
    assert await asyncio.wait_for(station._wait_for_slot(loop.time() + 300), 2) is False


async def test_closing_the_window_early_wakes_a_station_waiting_for_a_far_slot():
    loop = asyncio.get_running_loop()
    window = Window(loop.time(), loop.time() + 600)
    station = Station(settings(), 0, Recorder(), window)
    waiting = asyncio.create_task(station._wait_for_slot(loop.time() + 300))
    await asyncio.sleep(0.05)
    window.end = loop.time()  # the run is stopped (Ctrl-C)
    assert await asyncio.wait_for(waiting, 3) is False


async def test_a_due_slot_is_taken():
    loop = asyncio.get_running_loop()
    window = Window(loop.time(), loop.time() + 600)
    station = Station(settings(), 0, Recorder(), window)
    assert await asyncio.wait_for(station._wait_for_slot(loop.time() + 0.01), 2) is True


@pytest.fixture(scope="module")
async def every_version(cluster: Cluster) -> AsyncIterator[str]:
    """A gateway that accepts 2.1 too (the cluster's takes OCPP_VERSIONS' default)."""
    name, url = await cluster.start_gateway(OCPP_VERSIONS="ocpp2.1,ocpp2.0.1,ocpp1.6")
    yield url
    cluster.kill(name, signal.SIGTERM)


@dataclass
class Messages:
    """What a generator process would send its parent, kept."""

    sent: list[Any] = field(default_factory=list)

    def put(self, item: Any) -> None:
        self.sent.append(item)


@dataclass
class StartAt:
    value: float


async def test_a_mixed_fleet_runs_its_scenario_in_each_version_without_an_error(
    cluster: Cluster, db: AsyncDatabase[Any], every_version: str
):
    prefix = f"LGMIX{uuid.uuid4().hex[:6]}-"
    run = settings_from(
        parse_args(
            [
                *("--url", every_version, "--api", cluster.api_url),
                f"--api-key={cluster.admin_key}",
                *("--ocpp-version", "mixed", "--stations", "6", "--prefix", prefix),
                *("--rate", "30", "--duration", "3", "--ramp", "0.5", "--evses", "1"),
                *("--id-token", "LOADGENMIX", "--timeout", "10", "--validate-responses"),
            ]
        )
    )
    assert run.check() == [] and run.versions() == dict.fromkeys(MIXED_ORDER, 2)
    registration = await register(run, log=lambda line: None)
    assert (registration.stations, registration.id_token) == (6, "Accepted")

    context = multiprocessing.get_context("spawn")
    go, stop = context.Event(), context.Event()
    go.set()
    messages = Messages()
    recorder = await worker.run(run, 0, list(range(6)), messages, go, StartAt(time.time()), stop)

    errors = {
        f"{phase} {label}": dict(stats.errors)
        for phase, actions in recorder.phases.items()
        for label, stats in actions.items()
        if stats.errors or stats.answered != stats.sent
    }
    assert errors == {} and not recorder.generator_errors
    setup = recorder.phases["setup"]
    assert [setup[label].ok for label in (CONNECT, "BootNotification", "StatusNotification")] == [
        6,
        6,
        6,
    ]
    load = recorder.phases["load"]
    assert sum(stats.ok for stats in load.values()) >= 6 * 5
    assert {"StartTransaction", "TransactionEvent.Started"} <= set(load), "both flows ran"

    stored = await db[names.TRANSACTIONS].find({"station": {"$regex": f"^{prefix}"}}).to_list()
    versions = {doc["station"]: doc["ocppVersion"] for doc in stored}
    assert versions and all(run.version_of(int(s[-5:])) == v for s, v in versions.items())
    assert set(versions.values()) == set(MIXED_ORDER), "each version charged"
    assert all("endedAt" in doc for doc in stored), "teardown ended every transaction"
