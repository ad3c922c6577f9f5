"""A hostile station cannot fill the disk: what it can make gateway and workers log is capped
per station and kind (LOG_LIMIT_LINES per LOG_LIMIT_WINDOW), and the bytes are measured."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shared.ocppj import CallResult
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, raw_station

# One of each kind a station can trigger, each answered by a CALLERROR (or dropped).
HOSTILE = (
    "this is not json",  # gateway: invalid frame
    '[2, "{n}", "MakeCoffee", {{}}]',  # gateway: unknown action
    '[2, "{n}", "Reset", {{"type": "Immediate"}}]',  # worker dispatch: not supported
    '[2, "{n}", "BootNotification", {{"reason": "Bored"}}]',  # worker dispatch: schema
)
ROUNDS = 150  # 600 frames


def station_bytes(log_dir: Path, station: str) -> int:
    """Bytes of log lines about this station, over every process of the cluster."""
    total = 0
    for path in log_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{") and f'"station":"{station}"' in line:
                total += len(line) + 1
    return total


async def test_hostile_frames_cost_a_bounded_number_of_log_bytes(
    cluster: Cluster, api: Api, station: str
):
    # A frame rate no station reaches here, so only the log limits are measured.
    name, url = await cluster.start_gateway(
        GATEWAY_FRAME_RATE="100000", GATEWAY_FRAME_BURST="100000"
    )
    try:
        async with raw_station(url, station, PASSWORD) as raw:
            assert isinstance(await raw.call("BootNotification", BOOT), CallResult)
            await asyncio.sleep(0.3)
            before = station_bytes(cluster.log_dir, station)
            frames = 0
            for n in range(ROUNDS):
                for template in HOSTILE:
                    await raw.send(template.format(n=f"h-{n}"))
                    await raw.receive()
                    frames += 1
            # Answers to nothing: never answered, only logged.
            for n in range(ROUNDS):
                await raw.send(f'[3, "nobody-{n}", {{}}]')
                frames += 1
            assert isinstance(await raw.call("Heartbeat", {}), CallResult)
        await asyncio.sleep(0.5)
        per_frame = (station_bytes(cluster.log_dir, station) - before) / frames
        print(f"\nlog bytes per hostile frame: {per_frame:.1f} ({frames} frames)")
        assert per_frame < 40, per_frame
    finally:
        cluster.kill(name)
