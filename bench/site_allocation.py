"""How long a site's stations wait for their new shares: from the TransactionEvent that
changes the site to the last SetChargingProfile a station received, for one site of N
stations (issue #14: 50).

    .venv/bin/python -m bench.stack --workers 2 &          # or make run
    .venv/bin/python -m bench.site_allocation --stations 50 --rounds 20

It registers the stations and a site whose limit they must share (``--amps`` per station
when all charge), connects ``ocpp``-library stations (``tests/site_station.py``), starts a
transaction on all but one, then measures ``--rounds`` times: start a transaction on the
idle station (every other share goes down and the new one gets its own: N profiles), then
end one (N-1 profiles going up). It also measures the burst of all N starting at once,
and checks that the limits held never added up to more than the site's limit. Prints
one JSON line with the timings (ms) and the profile counts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
import uuid
from typing import Any

import aiohttp

from bench.loadgen.__main__ import _local_admin_key
from tests.simulator import sim_station
from tests.site_station import Ledger, SiteStation

PASSWORD = "bench-site-password-0123"
SETTLE_TIMEOUT = 60.0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="ws://127.0.0.1:9000/ocpp")
    parser.add_argument("--api", default="http://127.0.0.1:8080/api/v1")
    parser.add_argument("--api-key", help="admin key; default $API_KEY or .local/api-admin.key")
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--amps", type=float, default=8.0, help="A per station with all on")
    parser.add_argument("--rounds", type=int, default=20)
    return parser.parse_args(argv)


class TimedLedger(Ledger):
    """A ledger that also notes when the last profile arrived and how many did."""

    def __init__(self) -> None:
        super().__init__()
        self.last_at = 0.0
        self.count = 0

    def set(self, key: tuple[str, str], limit: float) -> None:
        super().set(key, limit)
        self.last_at = time.monotonic()
        self.count += 1


async def _settled(ledger: TimedLedger, wanted: int, since: float) -> float:
    """Seconds from ``since`` until ``wanted`` more profiles have been accepted in a row
    with no other arriving for 0.3 s (the last one's arrival time counts)."""
    async with asyncio.timeout(SETTLE_TIMEOUT):
        while True:
            ledger.changed.clear()
            try:
                await asyncio.wait_for(ledger.changed.wait(), 0.3)
            except TimeoutError:
                if ledger.last_at >= since and ledger.count >= wanted:
                    return ledger.last_at - since


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
        "mean": round(statistics.fmean(ordered) * 1000, 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    key = args.api_key or _local_admin_key()
    headers = {"Authorization": f"Bearer {key}"}
    suffix = uuid.uuid4().hex[:6]
    ids = [f"BS-{suffix}-{i:03d}" for i in range(args.stations)]
    site = f"BENCH-{suffix}"
    limit = args.amps * args.stations
    async with aiohttp.ClientSession(headers=headers) as http:
        for station in ids:
            async with http.put(f"{args.api}/stations/{station}", json={"password": PASSWORD}) as r:
                assert r.status in (200, 201), await r.text()
        body = {"maxCurrent": limit, "minCurrent": 6.0, "stations": ids}
        async with http.put(f"{args.api}/sites/{site}", json=body) as r:
            assert r.status == 201, await r.text()
        ledger = TimedLedger()
        async with contextlib.AsyncExitStack() as stack:
            cps: list[SiteStation] = []
            for station in ids:
                cp = await stack.enter_async_context(
                    sim_station(args.url, station, PASSWORD, cls=SiteStation)
                )
                cp.ledger = ledger
                await cp.boot()
                cps.append(cp)

            began = time.monotonic()
            await asyncio.gather(*(cp.start_transaction("TX-0") for cp in cps[:-1]))
            burst = await _settled(ledger, args.stations - 1, began)
            starts, ends = [], []
            idle, serial = cps[-1], 0
            for _ in range(args.rounds):
                serial += 1
                ledger.count, began = 0, time.monotonic()
                await idle.start_transaction(f"TX-{serial}")
                starts.append(await _settled(ledger, args.stations, began))
                busy = next(cp for cp in cps if cp is not idle)
                cps.remove(busy)
                cps.append(busy)
                ledger.count, began = 0, time.monotonic()
                await busy.end_transaction(next(iter(busy.running.values())))
                ends.append(await _settled(ledger, args.stations - 1, began))
                idle = busy
            peak = ledger.peak
        async with http.delete(f"{args.api}/sites/{site}") as r:
            assert r.status == 200
    return {
        "stations": args.stations,
        "siteLimit": limit,
        "rounds": args.rounds,
        "burstAllButOneStartMs": round(burst * 1000, 1),
        "startToLastProfileMs": _ms(starts),
        "endToLastProfileMs": _ms(ends),
        "peakHeldA": peak,
        "withinLimit": peak <= limit,
    }


def main(argv: list[str] | None = None) -> None:
    print(json.dumps(asyncio.run(run(_parse(argv)))))


if __name__ == "__main__":
    main()
