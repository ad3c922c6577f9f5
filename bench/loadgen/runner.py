"""The parent: start the generator processes together, print progress, merge their results.

Stations are dealt round-robin (station i to process i mod N) and connect in index order over
the ramp, so every process carries the same share of the load at every moment.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .progress import Progress
from .settings import Settings
from .stats import Recorder, merge_all
from .worker import child_main

READY_TIMEOUT = 120.0
START_MARGIN = 0.3


@dataclass(slots=True)
class Outcome:
    recorder: Recorder
    started_at: float  # wall clock of the common start (the ramp begins)
    stopped_early: bool = False
    failures: list[str] = field(default_factory=list)


def run(settings: Settings, log: Callable[[str], None] = print) -> Outcome:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    go, stop = context.Event(), context.Event()
    start_at = context.Value("d", 0.0)
    shares = [
        list(range(n, settings.stations, settings.processes)) for n in range(settings.processes)
    ]
    processes = [
        context.Process(
            target=child_main,
            args=(settings, n, share, queue, go, start_at, stop),
            name=f"loadgen-{n}",
            daemon=True,
        )
        for n, share in enumerate(shares)
    ]
    for process in processes:
        process.start()

    results: dict[int, Recorder] = {}
    failures: list[str] = []
    ready: set[int] = set()
    finished: set[int] = set()
    progress = Progress(settings, log)
    stopped_early = False
    deadline = time.monotonic() + READY_TIMEOUT
    started_at = 0.0
    try:
        while len(finished) < len(processes):
            try:
                try:
                    message = queue.get(timeout=0.25)
                except queue_module.Empty:
                    message = None
                if message is not None:
                    kind, number = message[0], message[1]
                    if kind == "ready":
                        ready.add(number)
                        if len(ready) == len(processes):
                            started_at = time.time() + START_MARGIN
                            start_at.value = started_at
                            go.set()
                            progress.start(started_at)
                    elif kind == "progress":
                        progress.add(number, message[2], message[3])
                    elif kind == "result":
                        results[number] = message[2]
                        finished.add(number)
                    elif kind == "failed":
                        failures.append(f"process {number}: {message[2]}")
                        finished.add(number)
                if go.is_set():
                    progress.maybe_print()
                elif time.monotonic() > deadline:
                    failures.append("generator processes did not start in time")
                    break
                dead = [
                    p for n, p in enumerate(processes) if not p.is_alive() and n not in finished
                ]
                if dead and queue.empty():
                    time.sleep(0.5)  # a result may still be in the pipe
                    if queue.empty():
                        failures.extend(f"{p.name} exited with {p.exitcode}" for p in dead)
                        break
            except KeyboardInterrupt:
                if stop.is_set():
                    log("second Ctrl-C: terminating the generator processes")
                    break
                log("Ctrl-C: stopping the load, ending open transactions (Ctrl-C again to abort)")
                stopped_early = True
                stop.set()
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    merged = merge_all([results[n] for n in sorted(results)])
    merged.processes = settings.processes
    return Outcome(merged, started_at, stopped_early, failures)
