"""Charts drawn on the server as inline SVG (no script, no library): a transaction's
energy and power over time, and a site's allocations against its effective limit. The
templates draw the geometry computed here; colours come from the stylesheet's classes,
so they follow the light or dark theme."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from shared import timestamps
from shared.events import iso

ENERGY = "Energy.Active.Import.Register"  # the default measurand (part 2, 2.45)
POWER = "Power.Active.Import"
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 64, 16, 36

Point = tuple[datetime, float]


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else timestamps.parse(str(value))


def _scaled(sv: Mapping[str, Any], kilo: str) -> float:
    unit = sv.get("unitOfMeasure") or {}
    value = float(sv["value"]) * 10.0 ** int(unit.get("multiplier", 0))
    return value * 1000 if unit.get("unit") == kilo else value


def series(meter_values: Iterable[Mapping[str, Any]]) -> tuple[list[Point], list[Point], bool]:
    """Energy (Wh) and power (W) over time from stored meter values: the whole-meter
    samples (no phase); power from ``Power.Active.Import`` if the station sent it, else
    derived from the energy deltas. The flag says whether power was derived."""
    energy: list[Point] = []
    power: list[Point] = []
    for mv in meter_values:
        at = _when(mv["timestamp"])
        for sv in mv.get("sampledValue", []):
            if "phase" in sv:
                continue
            measurand = sv.get("measurand", ENERGY)
            try:
                if measurand == ENERGY:
                    energy.append((at, _scaled(sv, "kWh")))
                elif measurand == POWER:
                    power.append((at, _scaled(sv, "kW")))
            except (TypeError, ValueError):
                continue
    energy.sort(key=lambda p: p[0])
    power.sort(key=lambda p: p[0])
    if power:
        return energy, power, False
    derived = []
    for (t0, e0), (t1, e1) in itertools.pairwise(energy):
        seconds = (t1 - t0).total_seconds()
        if seconds > 0:
            derived.append((t1, max(0.0, (e1 - e0) * 3600 / seconds)))
    return energy, derived, True


def _nice(top: float) -> float:
    """A round axis maximum at or above ``top``."""
    if top <= 0:
        return 1.0
    step = 10.0 ** (len(str(int(top))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= top:
            return float(m * step)
    return 10.0 * step


def _fmt(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def energy_chart(energy: list[Point], power: list[Point]) -> dict[str, Any] | None:
    """Geometry of a two-axis line chart: energy on the left axis, power on the right,
    time along the bottom. None without two points of anything."""
    points = energy + power
    if len(points) < 2:
        return None
    start = min(p[0] for p in points)
    end = max(p[0] for p in points)
    span = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    e_min = min((v for _, v in energy), default=0.0)
    e_base = e_min if energy else 0.0
    e_top = _nice(max((v - e_base for _, v in energy), default=0.0))
    p_top = _nice(max((v for _, v in power), default=0.0))

    def x(at: datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * plot_w, 1)

    def y(value: float, top: float) -> float:
        return round(TOP + plot_h - value / top * plot_h, 1)

    def path(pts: list[Point], base: float, top: float) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{x(t)},{y(v - base, top)}" for i, (t, v) in enumerate(pts)
        )

    ticks = [i / 4 for i in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + plot_h,
        "energy": path(energy, e_base, e_top) if energy else "",
        "power": path(power, 0.0, p_top) if power else "",
        "y_ticks": [
            {
                "y": y(f * e_top, e_top),
                "energy": _fmt(e_base + f * e_top),
                "power": _fmt(f * p_top),
            }
            for f in ticks
        ],
        "x_ticks": [
            {
                "x": round(LEFT + f * plot_w, 1),
                "label": (start + timedelta(seconds=f * span)).strftime("%H:%M:%S"),
            }
            for f in ticks
        ],
        "start": iso(start),
        "end": iso(end),
    }


BAR_W, BAR_H, BAR_LEFT, BAR_RIGHT = 720, 26, 220, 70


def site_bars(allocations: list[dict[str, Any]], effective: float, total: float) -> dict[str, Any]:
    """Geometry of horizontal bars: each transaction's limit (A), then their sum, against
    the site's effective limit drawn as a vertical line."""
    rows = [
        (f"{a['stationId']} / EVSE {a['evseId']}", float(a["limit"]), a["transactionId"])
        for a in allocations
    ]
    rows.append(("All transactions", float(total), ""))
    top = max([effective, *(r[1] for r in rows)]) or 1.0
    plot = BAR_W - BAR_LEFT - BAR_RIGHT

    def x(value: float) -> float:
        return round(BAR_LEFT + value / top * plot, 1)

    bars = [
        {
            "y": 8 + i * (BAR_H + 8),
            "label": label,
            "transactionId": tx,
            "value": value,
            "width": round(x(value) - BAR_LEFT, 1),
            "end": x(value),
            "over": value > effective,
        }
        for i, (label, value, tx) in enumerate(rows)
    ]
    height = 8 + len(rows) * (BAR_H + 8) + 18
    return {
        "width": BAR_W,
        "height": height,
        "left": BAR_LEFT,
        "bar_h": BAR_H,
        "plot": plot,
        "bars": bars,
        "limit_x": x(effective),
        "limit_bottom": height - 18,
        "effective": effective,
    }
