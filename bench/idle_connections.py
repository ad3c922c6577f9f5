"""Idle connections: N stations connect to one gateway, boot, then sit still.

Prints the gateway's resident memory per connection and its CPU at rest (pings and the
heartbeats the stations would send are not simulated beyond websocket pings).

    .venv/bin/python -m bench.idle_connections --stations 2000 --gateway-pid PID \
        [--url ws://127.0.0.1:9000/ocpp] [--api http://127.0.0.1:8080/api/v1] [--rest 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from shared import ocppj

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "Idle", "vendorName": "Bench"}}


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def register(api: str, ids: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        semaphore = asyncio.Semaphore(10)

        async def one(station: str) -> None:
            async with semaphore:
                for _ in range(20):
                    async with session.put(f"{api}/stations/{station}", json={}) as response:
                        if response.status != 503:
                            assert response.status in (200, 201), await response.text()
                            return
                    await asyncio.sleep(1)

        await asyncio.gather(*(one(s) for s in ids))


async def open_station(url: str, station: str, boot: bool) -> ClientConnection:
    for attempt in range(60):  # admission control answers 503 when many connect at once
        try:
            ws = await connect(
                f"{url}/{station}",
                subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
                open_timeout=60,
                ping_interval=None,
            )
            break
        except InvalidStatus as exc:
            if exc.response.status_code != 503 or attempt == 59:
                raise
            await asyncio.sleep(random.uniform(1, 3))
    if not boot:
        return ws
    await ws.send(ocppj.call_frame("boot", "BootNotification", BOOT))
    answer = ocppj.parse(await asyncio.wait_for(ws.recv(), 60))
    assert isinstance(answer, ocppj.CallResult), answer
    return ws


async def main(args: argparse.Namespace) -> None:
    ids = [f"{args.prefix}{i:05d}" for i in range(args.stations)]
    started = time.monotonic()
    if not args.no_register:
        await register(args.api, ids)
        print(f"registered {len(ids)} stations (no password) in {time.monotonic() - started:.1f} s")
    before = rss_kib(args.gateway_pid)
    semaphore = asyncio.Semaphore(100)

    async def guarded(station: str) -> ClientConnection:
        async with semaphore:
            return await open_station(args.url, station, args.boot)

    started = time.monotonic()
    sockets = await asyncio.gather(*(guarded(s) for s in ids))
    print(
        f"{len(sockets)} stations connected ({'booted' if args.boot else 'no boot'}) "
        f"in {time.monotonic() - started:.1f} s"
    )
    await asyncio.sleep(3)
    after = rss_kib(args.gateway_pid)
    cpu_before = cpu_seconds(args.gateway_pid)
    await asyncio.sleep(args.rest)
    cpu_at_rest = (cpu_seconds(args.gateway_pid) - cpu_before) / args.rest
    print(
        f"gateway RSS {before} KiB -> {after} KiB: {(after - before) / len(ids):.1f} KiB "
        f"per idle connection"
    )
    print(f"gateway CPU at rest over {args.rest:.0f} s: {cpu_at_rest * 100:.2f} % of a core")
    await asyncio.gather(*(ws.close() for ws in sockets))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--gateway-pid", type=int, required=True)
    parser.add_argument("--url", default="ws://127.0.0.1:9000/ocpp")
    parser.add_argument("--api", default="http://127.0.0.1:8080/api/v1")
    parser.add_argument("--prefix", default="idle-")
    parser.add_argument("--rest", type=float, default=30.0)
    parser.add_argument("--boot", action="store_true", help="send a BootNotification each")
    parser.add_argument("--no-register", action="store_true", help="stations exist already")
    asyncio.run(main(parser.parse_args()))
