"""The dashboard's energy today and its 24-hour trends, computed from the transactions'
summaries alone (no meter values: the dashboard must stay one bounded read for a fleet).

A transaction's energy is spread evenly over its time (start to end, or to its last
event while it runs): exact enough for a fleet's curve, and what an hour's bucket can
know without reading every meter value of every session. A transaction's own page has
the exact curve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

HOUR = timedelta(hours=1)
HOURS = 24


@dataclass(frozen=True)
class Trends:
    energy_today_wh: float  # since 00:00 UTC
    energy_wh: list[float]  # per hour, oldest first, the last ending at the current hour's end
    started: list[int]  # sessions started per hour
    charging: list[int]  # sessions running at each hour's end (now for the current hour)
    first_hour: datetime


def window_start(now: datetime) -> datetime:
    """The earliest time the dashboard needs: the first hour of the trend or midnight."""
    return min(_first_hour(now), _midnight(now))


def _first_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) - (HOURS - 1) * HOUR


def _midnight(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def _share(wh: float, start: datetime, until: datetime, lo: datetime, hi: datetime) -> float:
    """The part of ``wh`` delivered evenly from ``start`` to ``until`` that falls in
    [lo, hi); all of it at ``start`` for a transaction with no duration yet."""
    seconds = (until - start).total_seconds()
    if seconds <= 0:
        return wh if lo <= start < hi else 0.0
    return wh * _overlap(start, until, lo, hi) / seconds


def compute(transactions: Iterable[Mapping[str, Any]], now: datetime) -> Trends:
    """``transactions``: summaries with ``startedAt`` and optionally ``endedAt``,
    ``lastEventAt``, ``meterStartWh``, ``meterLastWh`` (as the store keeps them)."""
    first = _first_hour(now)
    midnight = _midnight(now)
    bounds = [first + i * HOUR for i in range(HOURS + 1)]
    energy = [0.0] * HOURS
    started = [0] * HOURS
    charging = [0] * HOURS
    today = 0.0
    for tx in transactions:
        start: datetime | None = tx.get("startedAt")
        if start is None:
            continue
        end: datetime | None = tx.get("endedAt")
        until = end or max(tx.get("lastEventAt") or start, start)
        meter_start, meter_last = tx.get("meterStartWh"), tx.get("meterLastWh")
        wh = (
            max(0.0, float(meter_last) - float(meter_start))
            if meter_start is not None and meter_last is not None
            else 0.0
        )
        today += _share(wh, start, until, midnight, midnight + timedelta(days=1))
        for i in range(HOURS):
            lo, hi = bounds[i], bounds[i + 1]
            energy[i] += _share(wh, start, until, lo, hi)
            if lo <= start < hi:
                started[i] += 1
            at = min(hi, now)
            if start <= at and (end is None or end > at):
                charging[i] += 1
    return Trends(today, energy, started, charging, first)


def sparkline(values: list[float], width: int = 240, height: int = 40) -> str:
    """An SVG path through ``values`` (left to right), scaled to the largest; a flat line
    at the bottom when every value is 0."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = width / max(len(values) - 1, 1)
    points = [
        (round(i * step, 1), round(height - 2 - v / top * (height - 4), 1))
        for i, v in enumerate(values)
    ]
    return " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
