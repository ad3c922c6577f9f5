"""The line printed every few seconds while the run goes on."""

from __future__ import annotations

import time
from collections.abc import Callable

from .settings import Settings
from .stats import Interval


class Progress:
    def __init__(self, settings: Settings, log: Callable[[str], None]) -> None:
        self.settings = settings
        self.log = log
        self.started_at = 0.0
        self.last_print = 0.0
        self.interval = Interval()
        self.connected: dict[int, int] = {}

    def start(self, started_at: float) -> None:
        self.started_at = started_at
        self.last_print = started_at

    def add(self, process: int, interval: Interval, connected: int) -> None:
        self.interval.sent += interval.sent
        self.interval.answered += interval.answered
        self.interval.errors += interval.errors
        self.interval.timeouts += interval.timeouts
        self.interval.late += interval.late
        self.interval.latency.merge(interval.latency)
        self.connected[process] = connected

    def phase(self, elapsed: float) -> str:
        if elapsed < self.settings.ramp:
            return "ramp"
        if elapsed < self.settings.ramp + self.settings.settle:
            return "settle"
        if elapsed < self.settings.ramp + self.settings.settle + self.settings.duration:
            return "load"
        return "drain"

    def maybe_print(self) -> None:
        now = time.time()
        if now - self.last_print < self.settings.progress:
            return
        seconds, self.last_print = now - self.last_print, now
        interval, self.interval = self.interval, Interval()
        latency = interval.latency

        def ms(q: float) -> str:
            value = latency.percentile(q)
            return "-" if value is None else f"{value * 1000:.1f}"

        elapsed = now - self.started_at
        self.log(
            f"[{elapsed:6.1f}s] {self.phase(elapsed):5}"
            f"  connected {sum(self.connected.values())}/{self.settings.stations}"
            f"  sent {interval.sent / seconds:7.1f}/s"
            f"  answered {interval.answered / seconds:7.1f}/s"
            f"  errors {interval.errors}  timeouts {interval.timeouts}  late {interval.late}"
            f"  p50 {ms(50)}  p95 {ms(95)}  p99 {ms(99)}"
            f"  max {'-' if not latency.count else f'{latency.max * 1000:.1f}'} ms"
        )
