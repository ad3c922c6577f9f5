"""The run's result: one JSON document, and the table printed from it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .histogram import Histogram
from .register import Registration
from .runner import Outcome
from .settings import Settings
from .stats import CONNECT, PHASES, ActionStats

SATURATED_LOOP_LAG = 0.050  # event-loop p99 above this: the generator, not the CSMS, is slow
SATURATED_CPU = 0.85


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _row(stats: ActionStats, seconds: float) -> dict[str, Any]:
    errors = sum(stats.errors.values())
    return {
        "calls": stats.sent,
        "answered": stats.answered,
        "ok": stats.ok,
        "errors": errors,
        "timeouts": stats.errors.get("timeout", 0),
        "calls_per_second": round(stats.answered / seconds, 2) if seconds > 0 else None,
        "latency_ms": stats.latency.summary_ms(),
        "error_kinds": dict(stats.errors.most_common()),
    }


def _phase(actions: dict[str, ActionStats], seconds: float) -> dict[str, Any]:
    overall = ActionStats()
    for label, stats in actions.items():
        if label != CONNECT:
            overall.merge(stats)
    return {
        "seconds": round(seconds, 3),
        "overall": _row(overall, seconds),
        "actions": {label: _row(actions[label], seconds) for label in sorted(actions)},
    }


def build(
    settings: Settings, outcome: Outcome, registration: Registration | None
) -> dict[str, Any]:
    recorder = outcome.recorder
    window_start = outcome.started_at + settings.ramp + settings.settle
    load_seconds = settings.duration
    load_span = recorder.spans["load"]
    if outcome.stopped_early and load_span.last is not None:
        load_seconds = min(settings.duration, max(load_span.last - window_start, 1e-3))
    seconds = {
        "setup": recorder.spans["setup"].seconds,
        "load": load_seconds,
        "teardown": recorder.spans["teardown"].seconds,
    }
    shown = dataclasses.asdict(settings)
    if shown["password"] is not None:
        shown["password"] = "***"
    per_core = recorder.cpu_seconds / max(recorder.wall_seconds * recorder.processes, 1e-9)
    return {
        "tool": "bench.loadgen",
        "started_at": _iso(outcome.started_at) if outcome.started_at else None,
        "finished_at": _iso(datetime.now(UTC).timestamp()),
        "settings": shown,
        "stopped_early": outcome.stopped_early,
        "failures": outcome.failures,
        "registration": registration.to_dict() if registration else None,
        "offered_calls_per_second": settings.rate,
        "ocpp_versions": settings.versions(),  # stations per version
        # Wall-clock bounds of the load window, for tools that measure the servers' CPU in it.
        "load_window": {"start": window_start, "seconds": load_seconds},
        "phases": {phase: _phase(recorder.phases[phase], seconds[phase]) for phase in PHASES},
        "errors_by_kind": dict(
            sum((stats.errors for a in recorder.phases.values() for stats in a.values()), Counter())
        ),
        "pacing": {
            "slots": recorder.slots_sent + recorder.missed,
            "sent": recorder.slots_sent,
            "late": recorder.late,
            "missed": recorder.missed,
            "send_lag_ms": recorder.lag.summary_ms(),
        },
        "generator": {
            "processes": recorder.processes,
            "cpu_seconds": round(recorder.cpu_seconds, 2),
            "cpu_per_process": round(per_core, 3),
            "event_loop_lag_ms": recorder.loop_lag.summary_ms(),
            "stray_answers": recorder.stray_answers,
            "incoming_calls": recorder.incoming_calls,
            "errors": dict(recorder.generator_errors),
        },
        "histograms": {
            phase: {label: stats.latency.to_dict() for label, stats in actions.items()}
            for phase, actions in recorder.phases.items()
        },
    }


def write(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


# ---- the table -------------------------------------------------------------------------------

_COLUMNS = (
    ("calls", 8),
    ("ok", 8),
    ("errors", 8),
    ("timeouts", 10),
    ("calls/s", 9),
    ("p50", 8),
    ("p95", 8),
    ("p99", 8),
    ("max", 8),
)
_NAME_WIDTH = 26


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _table_line(name: str, row: dict[str, Any]) -> str:
    latency = row["latency_ms"]
    rate = row["calls_per_second"]
    cells = [
        str(row["calls"]),
        str(row["ok"]),
        str(row["errors"]),
        str(row["timeouts"]),
        "-" if rate is None else f"{rate:.1f}",
        _ms(latency["p50"]),
        _ms(latency["p95"]),
        _ms(latency["p99"]),
        _ms(latency["max"]),
    ]
    return f"{name:<{_NAME_WIDTH}}" + "".join(
        f"{cell:>{width}}" for cell, (_, width) in zip(cells, _COLUMNS, strict=True)
    )


def _phase_table(title: str, phase: dict[str, Any]) -> list[str]:
    header = f"{'action':<{_NAME_WIDTH}}" + "".join(f"{n:>{w}}" for n, w in _COLUMNS)
    lines = [title, header, "-" * len(header)]
    for label, row in phase["actions"].items():
        lines.append(_table_line(label, row))
    lines.append("-" * len(header))
    lines.append(_table_line("all OCPP calls", phase["overall"]))
    return lines


def render(document: dict[str, Any]) -> str:
    settings = document["settings"]
    phases = document["phases"]
    load = phases["load"]
    lines: list[str] = [""]
    lines += _phase_table(
        f"LOAD  {load['seconds']:.1f} s window, {settings['stations']} stations"
        f" ({_versions(document['ocpp_versions'])}),"
        f" offered {document['offered_calls_per_second']:.1f} calls/s,"
        f" achieved {load['overall']['calls_per_second'] or 0:.1f} calls/s"
        "   (latency in ms, send to answer)",
        load,
    )
    for phase in ("setup", "teardown"):
        if phases[phase]["actions"]:
            lines.append("")
            lines += _phase_table(
                f"{phase.upper()}  {phases[phase]['seconds']:.1f} s", phases[phase]
            )

    lines += ["", "errors by kind:"]
    any_error = False
    for phase_name, phase in phases.items():
        for label, row in phase["actions"].items():
            for kind, count in row["error_kinds"].items():
                lines.append(f"  {phase_name:<9} {label:<{_NAME_WIDTH}} {kind:<32} {count:>8}")
                any_error = True
    if not any_error:
        lines.append("  none")

    pacing = document["pacing"]
    lag = pacing["send_lag_ms"]
    sent = pacing["sent"] or 1
    lines += [
        "",
        f"pacing: {pacing['slots']} slots in the window, {pacing['sent']} sent,"
        f" {pacing['late']} of them late ({100 * pacing['late'] / sent:.1f}%: previous call still"
        f" unanswered), {pacing['missed']} missed (station not connected or booted yet, or still"
        f" queued at the end);"
        f" send lag p50 {_ms(lag['p50'])} p99 {_ms(lag['p99'])} max {_ms(lag['max'])} ms",
    ]
    generator = document["generator"]
    loop_lag = generator["event_loop_lag_ms"]
    lines.append(
        f"generator: {generator['processes']} process(es), CPU {generator['cpu_per_process']:.0%}"
        f" of a core each, event-loop lag p99 {_ms(loop_lag['p99'])} max {_ms(loop_lag['max'])}"
        f" ms, {generator['stray_answers']} answers after timeout,"
        f" {generator['incoming_calls']} CSMS calls answered NotSupported"
    )
    for problem, count in generator["errors"].items():
        lines.append(f"  generator error x{count}: {problem}")
    if generator["cpu_per_process"] > SATURATED_CPU:
        lines.append(
            "  WARNING: the generator itself is saturated; latencies include its own delay."
            " Use more --processes."
        )
    elif (loop_lag["p99"] or 0) > SATURATED_LOOP_LAG * 1000:
        lines.append(
            "  WARNING: the generator's event loop woke up late although it used little CPU:"
            " the machine is short of CPU (the CSMS on the same host?); latencies include that."
        )
    registration = document["registration"]
    if registration and settings["register"]:
        lines.append(
            f"registration: {registration['stations']} stations in {registration['seconds']} s"
            f" ({registration['stations_per_second']}/s), failures {registration['failures']},"
            f" id token: {registration['id_token']}"
        )
    elif registration:
        lines.append(f"registration: stations not registered; id token: {registration['id_token']}")
    for failure in document["failures"]:
        lines.append(f"FAILURE: {failure}")
    if document["stopped_early"]:
        lines.append("stopped early (Ctrl-C)")
    return "\n".join(lines)


def versions_text(settings: Settings) -> str:
    """The stations' versions in words: ``ocpp1.6`` or ``ocpp1.6 x2, ocpp2.0.1 x2, ...``."""
    return _versions(settings.versions())


def _versions(counts: dict[str, int]) -> str:
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{version} x{count}" for version, count in counts.items())


def histogram_of(data: dict[str, Any]) -> Histogram:
    """A histogram from this report's JSON, to merge or re-slice saved runs."""
    return Histogram.from_dict(data)
