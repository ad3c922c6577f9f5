"""Get15118EVCertificate (M01/M02) end to end: a station through the real gateway, a worker
with the HTTP contract provider, and a real adapter in this test process
(``tests/contract_adapter.py``). Accepted, Failed and timing out, stored once each and
announced as ``contract.requested``.

The request must reach a worker pointed at this adapter, so the module stops the cluster's
workers, starts its own and gives the cluster two ordinary ones after (as test_outbox.py).
"""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v201 import call
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocppj import CallResult
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD, Api
from tests.contract_adapter import EXI, EXI_RESPONSE, SLOW_SECONDS, Adapter, adapter
from tests.events import Tap, event_queue
from tests.simulator import BOOT, raw_station, sim_station
from tests.test_outbox import consumers

SCHEMA = "urn:iso:15118:2:2013:MsgDef"
TIMEOUT = 1.0  # CONTRACT_PROVIDER_TIMEOUT of this module's worker, below SLOW_SECONDS


@pytest.fixture(scope="module")
async def contract_worker(cluster: Cluster) -> AsyncIterator[tuple[Adapter, str]]:
    """The adapter, and the only worker: one with CONTRACT_PROVIDER=http pointed at it."""
    async with adapter() as running:
        for name in cluster.workers():
            cluster.kill(name, signal.SIGTERM)
        await consumers(cluster, 0)
        name = cluster.start(
            "workers",
            CONTRACT_PROVIDER="http",
            CONTRACT_PROVIDER_URL=running.url(),
            CONTRACT_PROVIDER_TIMEOUT=str(TIMEOUT),
        )
        await consumers(cluster, 1)
        try:
            yield running, name
        finally:
            for worker in cluster.workers():
                cluster.kill(worker, signal.SIGTERM)
            cluster.start("workers")
            cluster.start("workers")
            await cluster.wait_ready(workers=2)


def request(exi: str, action: str = "Install") -> dict[str, Any]:
    return {"iso15118SchemaVersion": SCHEMA, "action": action, "exiRequest": EXI[exi]}


async def test_accepted_brings_the_exi_response_to_an_ocpp_library_station(
    cluster: Cluster,
    api: Api,
    station: str,
    db: AsyncDatabase[Any],
    contract_worker: tuple[Adapter, str],
):
    served, _ = contract_worker
    key = names.event_key(names.EVENT_CONTRACT_REQUESTED, station)
    async with event_queue(cluster.amqp_url, key) as queue:
        async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
            await cp.boot()
            answer = await cp.call(
                call.Get15118EVCertificate(
                    iso15118_schema_version=SCHEMA, action="Install", exi_request=EXI["accept"]
                )
            )
        (event,) = await Tap(queue).events(1)
    assert (answer.status, answer.exi_response) == ("Accepted", EXI_RESPONSE)
    assert served.requests[-1] == {"stationId": station, **request("accept")}
    assert (event["status"], event["action"], event["reasonCode"]) == ("Accepted", "Install", None)
    (stored,) = await db[names.CONTRACT_REQUESTS].find({"station": station}).to_list()
    assert stored["status"] == "Accepted" and stored["exiResponseChars"] == len(EXI_RESPONSE)
    assert stored["exiRequestChars"] == len(EXI["accept"]) and "exiRequest" not in stored
    status, body = await api.request("GET", f"/stations/{station}/contract-requests")
    assert status == 200
    [shown] = body["contractRequests"]
    assert (shown["action"], shown["status"], shown["exiResponseChars"]) == (
        "Install",
        "Accepted",
        len(EXI_RESPONSE),
    )


async def test_failed_from_the_adapter_reaches_the_station_with_its_reason(
    cluster: Cluster, station: str, contract_worker: tuple[Adapter, str]
):
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        await raw.call("BootNotification", BOOT)
        answer = await raw.call("Get15118EVCertificate", request("fail", "Update"))
    assert isinstance(answer, CallResult), answer
    assert answer.payload == {
        "status": "Failed",
        "exiResponse": "",
        "statusInfo": {"reasonCode": "NoContract"},
    }


async def test_a_slow_adapter_times_out_into_failed_well_before_the_gateway_gives_up(
    cluster: Cluster,
    station: str,
    db: AsyncDatabase[Any],
    contract_worker: tuple[Adapter, str],
):
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        await raw.call("BootNotification", BOOT)
        started = time.monotonic()
        answer = await raw.call("Get15118EVCertificate", request("slow"))
        took = time.monotonic() - started
        assert isinstance(answer, CallResult), answer
        assert answer.payload["statusInfo"] == {"reasonCode": "Timeout"}
        assert TIMEOUT <= took < SLOW_SECONDS, took
        heartbeat = await raw.call("Heartbeat", {})
        assert isinstance(heartbeat, CallResult)
    (stored,) = await db[names.CONTRACT_REQUESTS].find({"station": station}).to_list()
    assert (stored["status"], stored["reasonCode"]) == ("Failed", "Timeout")


async def test_a_broken_adapter_is_failed_and_logged(
    cluster: Cluster, station: str, contract_worker: tuple[Adapter, str]
):
    _, worker = contract_worker
    async with raw_station(cluster.ws_url, station, PASSWORD) as raw:
        await raw.call("BootNotification", BOOT)
        for exi, reason in (("error", "ProviderError"), ("garbage", "InvalidResponse")):
            answer = await raw.call("Get15118EVCertificate", request(exi))
            assert isinstance(answer, CallResult), answer
            assert answer.payload["statusInfo"] == {"reasonCode": reason}
    logged = [
        line
        for line in log_lines(cluster.log_dir / f"{worker}.log")
        if line["msg"] == "contract provider failed" and line["station"] == station
    ]
    assert [line["reasonCode"] for line in logged] == ["ProviderError", "InvalidResponse"]
