"""A simulated station to try the CSMS by hand: it boots, reports its connector, sends a
heartbeat now and then, and answers every command the way the test suite's station does.

    .venv/bin/python -m tests.demo_station CS001 --password change-me-0123456789

Then drive it with curl (see README, "Operating a station").
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from tests.operated_station import OperatedStation
from tests.simulator import sim_station


async def run(url: str, station: str, password: str | None, heartbeat: float) -> None:
    async with sim_station(url, station, password, cls=OperatedStation) as cp:
        boot = await cp.boot()
        print(f"{station}: BootNotification -> {boot.status}, interval {boot.interval}s")
        await cp.status(1, 1, "Available")
        print(f"{station}: connected to {url}; Ctrl-C stops")
        while True:
            await asyncio.sleep(heartbeat)
            answer = await cp.heartbeat()
            print(f"{station}: Heartbeat -> {answer.current_time if answer else 'refused'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("station", help="station id, registered with PUT /api/v1/stations/{id}")
    parser.add_argument("--password", help="its Basic auth password, if it has one")
    parser.add_argument("--url", default="ws://127.0.0.1:9000/ocpp", help="OCPP-J endpoint")
    parser.add_argument("--heartbeat", type=float, default=60.0, help="seconds between beats")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(run(args.url, args.station, args.password, args.heartbeat))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
