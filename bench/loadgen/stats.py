"""What one generator process measured, in a form that pickles, merges and reports.

Three phases: ``setup`` (websocket handshake as ``(connect)``, BootNotification, the first
StatusNotifications), ``load`` (the paced mix the run is about) and ``teardown`` (ending the
transactions still open when the window closes). Per phase and per label (the action, with the
TransactionEvent type: ``TransactionEvent.Updated``) there is a latency histogram of every
answered round trip and a count of each error kind: ``CALLERROR:<code>``, ``timeout``,
``closed:<ws close code>``, ``rejected:<status>`` (an answer that is not Accepted),
``invalid-response``, ``connect:<why>``.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .histogram import Histogram

PHASES = ("setup", "load", "teardown")
CONNECT = "(connect)"


@dataclass(slots=True)
class ActionStats:
    latency: Histogram = field(default_factory=Histogram)
    sent: int = 0
    answered: int = 0  # CALLRESULT or CALLERROR received
    ok: int = 0  # CALLRESULT without a rejection
    errors: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ActionStats) -> None:
        self.latency.merge(other.latency)
        self.sent += other.sent
        self.answered += other.answered
        self.ok += other.ok
        self.errors.update(other.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "latency": self.latency.to_dict(),
            "sent": self.sent,
            "answered": self.answered,
            "ok": self.ok,
            "errors": dict(self.errors),
        }


@dataclass(slots=True)
class Interval:
    """Counts since the last progress snapshot (load and setup phases alike)."""

    sent: int = 0
    answered: int = 0
    errors: int = 0
    timeouts: int = 0
    late: int = 0
    latency: Histogram = field(default_factory=Histogram)


@dataclass(slots=True)
class Span:
    """Wall-clock time (time.time()) of the first send and the last answer of a phase."""

    first: float | None = None
    last: float | None = None

    def touch(self, at: float) -> None:
        self.first = at if self.first is None else min(self.first, at)
        self.last = at if self.last is None else max(self.last, at)

    def merge(self, other: Span) -> None:
        if other.first is not None and other.last is not None:
            self.touch(other.first)
            self.touch(other.last)

    @property
    def seconds(self) -> float:
        if self.first is None or self.last is None:
            return 0.0
        return self.last - self.first


@dataclass(slots=True)
class Recorder:
    phases: dict[str, dict[str, ActionStats]] = field(
        default_factory=lambda: {phase: {} for phase in PHASES}
    )
    spans: dict[str, Span] = field(default_factory=lambda: {phase: Span() for phase in PHASES})
    # load-phase pacing: a slot is one scheduled send of one station
    slots_sent: int = 0  # slots whose call went out inside the window
    late: int = 0  # of those, slots that came while the previous call was still unanswered
    missed: int = 0  # slots not sent: not connected or booted yet, or queued at the end
    lag: Histogram = field(default_factory=Histogram)  # slot time -> actual send
    loop_lag: Histogram = field(default_factory=Histogram)  # the generator's own event loop
    stray_answers: int = 0  # answers to calls that had already timed out
    incoming_calls: int = 0  # CALLs from the CSMS, answered NotSupported
    generator_errors: Counter[str] = field(default_factory=Counter)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    processes: int = 1
    interval: Interval = field(default_factory=Interval)

    def action(self, phase: str, label: str) -> ActionStats:
        stats = self.phases[phase].get(label)
        if stats is None:
            stats = self.phases[phase][label] = ActionStats()
        return stats

    def sent(self, phase: str, label: str) -> ActionStats:
        stats = self.action(phase, label)
        stats.sent += 1
        self.interval.sent += 1
        self.spans[phase].touch(time.time())
        return stats

    def answered(self, phase: str, stats: ActionStats, latency: float, error: str | None) -> None:
        stats.answered += 1
        stats.latency.record(latency)
        self.interval.answered += 1
        self.interval.latency.record(latency)
        self.spans[phase].touch(time.time())
        if error is None:
            stats.ok += 1
        else:
            stats.errors[error] += 1
            self.interval.errors += 1

    def failed(self, stats: ActionStats, error: str) -> None:
        """No answer: timeout, connection lost or never opened."""
        stats.errors[error] += 1
        self.interval.errors += 1
        if error == "timeout":
            self.interval.timeouts += 1

    def connection(self, latency: float | None, error: str | None) -> None:
        """One websocket handshake attempt; not a call, so only its errors show in progress."""
        stats = self.action("setup", CONNECT)
        stats.sent += 1
        if latency is not None:
            stats.answered += 1
            stats.latency.record(latency)
        if error is None:
            stats.ok += 1
        else:
            stats.errors[error] += 1
            self.interval.errors += 1

    def take_interval(self) -> Interval:
        interval, self.interval = self.interval, Interval()
        return interval

    def merge(self, other: Recorder) -> None:
        for phase, actions in other.phases.items():
            for label, stats in actions.items():
                self.action(phase, label).merge(stats)
        for phase, span in other.spans.items():
            self.spans[phase].merge(span)
        self.slots_sent += other.slots_sent
        self.late += other.late
        self.missed += other.missed
        self.lag.merge(other.lag)
        self.loop_lag.merge(other.loop_lag)
        self.stray_answers += other.stray_answers
        self.incoming_calls += other.incoming_calls
        self.generator_errors.update(other.generator_errors)
        self.cpu_seconds += other.cpu_seconds
        self.wall_seconds = max(self.wall_seconds, other.wall_seconds)


def merge_all(parts: list[Recorder]) -> Recorder:
    merged = Recorder()
    for part in parts:
        merged.merge(part)
    merged.processes = len(parts)
    return merged
