"""CPU the servers spend per OCPP call, read from /proc while a load runs.

The issue's target is CPU per fleet call in gateway + workers + RabbitMQ; the store (FerretDB
and PostgreSQL here, MongoDB in production) is reported beside it, not in it. A sampler
thread reads every process's CPU time twice a second, and the load generator's window picks
the two samples that bracket it, so start-up, registration and teardown do not count.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")

# Processes the stack did not start, by their command name.
SERVICE_GROUPS = {"beam.smp": "rabbitmq", "ferretdb": "store", "postgres": "store"}
TARGET_GROUPS = ("gateway", "workers", "rabbitmq")


def process_cpu(pid: int) -> float:
    """User + system seconds of a process and of its children it has reaped (PostgreSQL's
    backends end with their connections; the postmaster reaps them)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / TICKS


def service_pids() -> dict[int, str]:
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm in SERVICE_GROUPS:
            found[int(entry.name)] = SERVICE_GROUPS[comm]
    return found


def snapshot(pids: Mapping[int, str]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for pid, group in pids.items():
        try:
            totals[group] = totals.get(group, 0.0) + process_cpu(pid)
        except (OSError, ValueError, IndexError):
            continue  # it ended between listing and reading
    return totals


Sample = tuple[float, dict[str, float]]


def window_cpu(samples: list[Sample], start: float, end: float) -> dict[str, float]:
    """CPU seconds per group between the last sample at or before ``start`` and the first at
    or after ``end`` (the window is covered, never cut short); where the samples do not reach
    that far (a run stopped early), the first and last samples there are."""
    if not samples:
        return {}
    before = [s for s in samples if s[0] <= start] or samples[:1]
    after = [s for s in samples if s[0] >= end] or samples[-1:]
    first, last = before[-1][1], after[0][1]
    return {group: last.get(group, 0.0) - first.get(group, 0.0) for group in last}


def per_call_ms(cpu: Mapping[str, float], calls: int) -> dict[str, float]:
    return {group: seconds * 1000 / max(calls, 1) for group, seconds in cpu.items()}


def summary(cpu: Mapping[str, float], calls: int, seconds: float) -> str:
    ms = per_call_ms(cpu, calls)
    target = sum(ms.get(group, 0.0) for group in TARGET_GROUPS)
    parts = ", ".join(f"{group} {ms.get(group, 0.0):.2f}" for group in TARGET_GROUPS)
    others = ", ".join(f"{g} {v:.2f}" for g, v in sorted(ms.items()) if g not in TARGET_GROUPS)
    busy = sum(cpu.values()) / max(seconds, 1e-9)
    return (
        f"cpu: {target:.2f} ms per call in gateway + workers + rabbitmq ({parts}); "
        f"besides: {others}; {calls} calls in {seconds:.0f} s, all processes {busy:.0%} of a core"
    )


@dataclass
class Sampler:
    """Samples until stopped; ``own`` gives the pids the stack started, by group."""

    own: Callable[[], Mapping[int, str]]
    interval: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            pids = {**service_pids(), **self.own()}
            self.samples.append((time.time(), snapshot(pids)))
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
