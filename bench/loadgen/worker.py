"""One generator process: runs its share of the stations and reports to the parent.

Messages on ``queue`` (all plain picklable objects):
``("ready", n)``, ``("progress", n, Interval, connected)`` every second, ``("result", n,
Recorder)`` at the end, or ``("failed", n, traceback)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import signal
import time
import traceback
from multiprocessing.synchronize import Event
from typing import Any, Protocol

from .settings import Settings
from .station import Station, Window
from .stats import Recorder

PROGRESS_EVERY = 1.0
LOOP_PROBE_EVERY = 0.1
GO_TIMEOUT = 300.0


class Queue(Protocol):
    def put(self, item: Any) -> None: ...


class SharedFloat(Protocol):
    value: float


def child_main(
    settings: Settings,
    number: int,
    indices: list[int],
    queue: Queue,
    go: Event,
    start_at: SharedFloat,
    stop: Event,
) -> None:
    """Process entry point (spawn): Ctrl-C goes to the parent, which sets ``stop``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _raise_open_files_limit()
    try:
        recorder = asyncio.run(run(settings, number, indices, queue, go, start_at, stop))
    except BaseException:
        queue.put(("failed", number, traceback.format_exc()))
        raise
    queue.put(("result", number, recorder))


async def run(
    settings: Settings,
    number: int,
    indices: list[int],
    queue: Queue,
    go: Event,
    start_at: SharedFloat,
    stop: Event,
) -> Recorder:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    if settings.validate_responses:
        from shared import schemas

        schemas.precompile()
    queue.put(("ready", number))
    if not await loop.run_in_executor(None, go.wait, GO_TIMEOUT):
        raise RuntimeError("the parent never started the run")
    # the parent's wall-clock start, in this loop's clock
    start = loop.time() + (start_at.value - time.time())
    opens = start + settings.ramp + settings.settle
    window = Window(opens, opens + settings.duration)
    wall_started, cpu_started = time.time(), _cpu()

    generated = settings.station_passwords()
    stations = [
        Station(settings, index, recorder, window, generated.get(settings.station_id(index)))
        for index in indices
    ]
    tasks = [
        asyncio.create_task(
            _guarded(station.run(start + settings.ramp * index / settings.stations), recorder)
        )
        for station, index in zip(stations, indices, strict=True)
    ]
    helpers = [
        asyncio.create_task(_tick(number, recorder, stations, queue, stop, window)),
        asyncio.create_task(_probe_loop(recorder)),
    ]
    # Stations end on their own after the window: the call in flight, then teardown (an Ended
    # and a StatusNotification per EVSE). This bounds a hung one.
    limit = window.end - loop.time() + (2 * settings.evses + 2) * settings.timeout + 10
    _, hung = await asyncio.wait(tasks, timeout=max(limit, 1))
    for task in hung:
        task.cancel()
    if hung:
        recorder.generator_errors["station task still running at the end"] += len(hung)
        await asyncio.wait(hung, timeout=5)
    for helper in helpers:
        helper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*helpers, return_exceptions=True)
    queue.put(("progress", number, recorder.take_interval(), 0))
    recorder.cpu_seconds = _cpu() - cpu_started
    recorder.wall_seconds = time.time() - wall_started
    return recorder


def _raise_open_files_limit() -> None:
    """One socket per station: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _guarded(coroutine: Any, recorder: Recorder) -> None:
    try:
        await coroutine
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        recorder.generator_errors[f"station crashed: {type(exc).__name__}: {exc}"[:200]] += 1


async def _tick(
    number: int,
    recorder: Recorder,
    stations: list[Station],
    queue: Queue,
    stop: Event,
    window: Window,
) -> None:
    """Every second: progress to the parent; close the window early once it says stop."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        connected = sum(station.connected for station in stations)
        queue.put(("progress", number, recorder.take_interval(), connected))
        if stop.is_set():
            window.end = min(window.end, loop.time())
            window.start = min(window.start, window.end)


async def _probe_loop(recorder: Recorder) -> None:
    """How late the event loop wakes up: the generator's own saturation."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + LOOP_PROBE_EVERY
        await asyncio.sleep(LOOP_PROBE_EVERY)
        recorder.loop_lag.record(loop.time() - due)
