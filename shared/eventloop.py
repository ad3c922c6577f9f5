"""Runs a process's main coroutine on uvloop when configured and installed.

Profiles of gateway and worker under load put the largest share of their CPU in the event
loop's socket writes and callbacks (each AMQP publish, ack and MongoDB operation is one
write), which is what uvloop implements in C. ``EVENT_LOOP=asyncio`` falls back to the
standard loop, for debugging or where uvloop is unavailable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("shared.eventloop")


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if choice != "uvloop":
        return None
    try:
        import uvloop
    except ImportError:
        log.warning("EVENT_LOOP=uvloop but uvloop is not installed; using asyncio")
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, None], choice: str) -> None:
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        runner.run(main)
