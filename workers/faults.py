"""Test only: a fault injected at one point of a worker, named by the ``TEST_FAULT`` setting.

The resilience tests (``tests/test_outbox.py``) must stop a worker at one exact moment,
after a message's state change is stored and before its event is published, which no
signal sent from outside can hit reliably. ``TEST_FAULT`` names the moment (one event
for one station, the first time only) and what happens there:

* ``kill EVENT STATION``: the process SIGKILLs itself, as if killed from outside;
* ``wait EVENT STATION PATH``: the publish waits until the file PATH exists (the test
  cuts the broker link meanwhile);
* ``fail EVENT STATION``: the publish fails as if the broker had refused it, and the
  process SIGKILLs itself as soon as the inbound message is acked.

Empty (the default) does nothing; never set it in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger("workers.faults")


class InjectedFault(ConnectionError):
    """What ``fail`` raises in place of the broker's confirm."""


@dataclass(frozen=True)
class Fault:
    action: str
    event: str
    station: str
    path: str = ""


@cache
def _fault(words: tuple[str, ...]) -> Fault:
    """The setting's words (checked by ``shared.config``) as a Fault."""
    return Fault(*words)


_fired: set[Fault] = set()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.02)


async def _die_later() -> None:
    _die()


async def before_publish(ctx: Context, event: str) -> None:
    """Called just before an event is published; a no-op unless TEST_FAULT names it."""
    if not ctx.settings.test_fault:
        return
    fault = _fault(ctx.settings.test_fault)
    if fault in _fired or (fault.event, fault.station) != (event, ctx.station):
        return
    _fired.add(fault)
    log.warning("test fault injected", extra={"fault": fault.action, "event": event})
    if fault.action == "kill":
        _die()
    elif fault.action == "wait":
        await asyncio.to_thread(_wait_for, Path(fault.path))
    else:
        ctx.after_reply.append(_die_later)
        raise InjectedFault("test fault: publish refused")
