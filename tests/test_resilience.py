"""Many stations at once, a worker dying mid-stream, workers that stop answering."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import aio_pika
import orjson
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocppj import CallError, CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.proxy import Proxy
from tests.simulator import BOOT, RawStation, now, open_ws, raw_station, sim_station


async def test_two_workers_and_one_gateway_serve_twenty_stations(cluster: Cluster, api: Api):
    ids = [f"FLEET-{i:02d}" for i in range(20)]
    for station in ids:
        await api.register(station, PASSWORD)
    await api.request("PUT", "/id-tokens/FLEET-CARD", {"type": "ISO14443"})

    async def one_station(station: str) -> None:
        async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, 1, "Available")
            await cp.heartbeat()
            assert (await cp.authorize("FLEET-CARD")).id_token_info["status"] == "Accepted"
            for seq, (kind, wh) in enumerate([("Started", 0), ("Updated", 500), ("Ended", 900)]):
                await cp.transaction_event(
                    kind, f"TX-{station}", seq, "MeterValuePeriodic", energy_wh=wh
                )

    await asyncio.gather(*(one_station(s) for s in ids))
    for station in ids:
        status, tx = await api.request("GET", f"/transactions/TX-{station}")
        assert status == 200 and tx["state"] == "ended" and tx["energyWh"] == 900


async def drive(raw: RawStation, station: str, calls: int) -> list[str]:
    """Send TransactionEvents one after another; return each answer's message id."""
    answered = []
    for seq in range(calls):
        message_id = f"{station}-{seq}"
        answer = await raw.call(
            "TransactionEvent",
            {
                "eventType": "Started" if seq == 0 else "Updated",
                "timestamp": now(),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": seq,
                "transactionInfo": {"transactionId": f"KILL-{station}"},
                "meterValue": [{"timestamp": now(), "sampledValue": [{"value": seq * 10}]}],
            },
            message_id=message_id,
        )
        assert isinstance(answer, CallResult), answer
        answered.append(answer.message_id)
    return answered


async def test_worker_killed_mid_stream_loses_no_message(
    cluster: Cluster, api: Api, db: AsyncDatabase[Any]
):
    ids = [f"KILL-{i:02d}" for i in range(20)]
    calls = 40
    for station in ids:
        await api.register(station, PASSWORD)
    victim = cluster.workers()[0]
    async with asyncio.TaskGroup() as group:
        stations = [RawStation(await open_ws(cluster.ws_url, s, PASSWORD)) for s in ids]
        for raw in stations:
            assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
        runs = [
            group.create_task(drive(raw, s, calls)) for raw, s in zip(stations, ids, strict=True)
        ]
        await asyncio.sleep(0.5)
        cluster.kill(victim, signal.SIGKILL)
        cluster.start("workers")
    for station, run, raw in zip(ids, runs, stations, strict=True):
        assert run.result() == [f"{station}-{seq}" for seq in range(calls)]
        # Answered once: nothing else is waiting on the socket.
        with pytest.raises(TimeoutError):
            await raw.receive(timeout=0.2)
        await raw.ws.close()
    for station in ids:
        stored = await db[names.TRANSACTION_EVENTS].count_documents({"station": station})
        assert stored == calls
    await cluster.wait_ready(workers=2)


async def test_station_gets_internal_error_when_workers_do_not_answer_and_message_survives(
    cluster: Cluster, api: Api, station: str, db: AsyncDatabase[Any]
):
    gateway, url = await cluster.start_gateway(GATEWAY_REPLY_TIMEOUT="1")
    async with raw_station(url, station, PASSWORD) as raw:
        for worker in cluster.workers():
            cluster.signal(worker, signal.SIGSTOP)
        try:
            answer = await raw.call(
                "SecurityEventNotification",
                {"type": "ReplayedWhileStopped", "timestamp": now()},
                message_id="stopped-1",
            )
        finally:
            for worker in cluster.workers():
                cluster.signal(worker, signal.SIGCONT)
        assert isinstance(answer, CallError)
        assert (answer.message_id, answer.code) == ("stopped-1", "InternalError")
        for _ in range(100):  # the accepted message is handled once workers resume
            if await db[names.SECURITY_EVENTS].find_one({"station": station}):
                break
            await asyncio.sleep(0.1)
        stored = await db[names.SECURITY_EVENTS].find_one({"station": station})
        assert stored is not None and stored["type"] == "ReplayedWhileStopped"
        # The late answer is dropped, not delivered as a stray frame.
        with pytest.raises(TimeoutError):
            await raw.receive(timeout=0.5)
    cluster.kill(gateway, signal.SIGTERM)


async def test_a_store_outage_delays_answers_but_loses_or_doubles_no_message(
    cluster: Cluster, api: Api, db: AsyncDatabase[Any]
):
    """The only worker reaches the store through a proxy that drops every connection for
    3 s: messages in hand are given back and retried, every CALL is answered CallResult
    (the outage is shorter than GATEWAY_REPLY_TIMEOUT) and stored exactly once, and every
    stored TransactionEvent's event is delivered."""
    ids = [f"STORE-{i:02d}" for i in range(5)]
    calls = 30
    for station in ids:
        await api.register(station, PASSWORD)
    proxy = await Proxy.before(cluster.mongo_url, 27017).start()
    listener = await aio_pika.connect(cluster.amqp_url)
    channel = await listener.channel()
    tap = await channel.declare_queue(exclusive=True)
    for event in (names.EVENT_TRANSACTION_STARTED, names.EVENT_TRANSACTION_UPDATED):
        await tap.bind(names.EVENTS_EXCHANGE, f"{event}.#")
    for worker in cluster.workers():
        cluster.kill(worker, signal.SIGTERM)
    proxied = cluster.start("workers", MONGO_URL=proxy.url(cluster.mongo_url))
    try:
        await cluster.wait_ready(workers=1)
        async with asyncio.TaskGroup() as group:
            stations = [RawStation(await open_ws(cluster.ws_url, s, PASSWORD)) for s in ids]
            for raw in stations:
                assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
            runs = [
                group.create_task(drive(raw, s, calls))
                for raw, s in zip(stations, ids, strict=True)
            ]
            await asyncio.sleep(0.5)
            proxy.cut()
            await asyncio.sleep(3)
            proxy.restore()
        for station, run, raw in zip(ids, runs, stations, strict=True):
            assert run.result() == [f"{station}-{seq}" for seq in range(calls)]
            await raw.ws.close()
        for station in ids:
            stored = await db[names.TRANSACTION_EVENTS].count_documents({"station": station})
            assert stored == calls
        delivered: set[tuple[str, int]] = set()
        async with asyncio.timeout(20):
            while len(delivered) < len(ids) * calls:
                message = await tap.get(fail=False, no_ack=True)
                if message is None:
                    await asyncio.sleep(0.05)
                    continue
                body = orjson.loads(message.body)
                if body["station"] in ids:
                    delivered.add((body["station"], body["seqNo"]))
        assert delivered == {(s, seq) for s in ids for seq in range(calls)}
    finally:
        await listener.close()
        # SIGKILL: kill() waits blocking this loop, which runs the proxy that the worker's
        # clean stop (its last lastSeen write) would need.
        cluster.kill(proxied, signal.SIGKILL)
        await proxy.close()
        cluster.start("workers")
        cluster.start("workers")
        await cluster.wait_ready(workers=2)
