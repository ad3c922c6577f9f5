"""Worker.stop() on its own: it waits for the messages it holds, up to a limit.

The broker side of draining (acks sent before the channel closes, nothing handled twice)
is tested on real processes in tests/test_operations.py; this pins down the waiting itself,
which timing there cannot show reliably because handlers are usually done within
milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from shared import config
from workers.consumer import Worker


def held_until(release: asyncio.Event, done: list[Any]) -> Any:
    async def handler(message: Any) -> None:
        await release.wait()
        done.append(message)

    return handler


async def test_stop_returns_only_after_the_messages_in_hand_are_finished():
    worker = Worker(config.load({}))
    release, done = asyncio.Event(), []
    handle = worker._tracked(held_until(release, done))
    handling = [asyncio.create_task(handle(n)) for n in range(3)]
    await asyncio.sleep(0)
    stopping = asyncio.create_task(worker.stop(drain_timeout=10))
    await asyncio.sleep(0.2)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert sorted(done) == [0, 1, 2]
    await asyncio.gather(*handling)


async def test_stop_gives_up_after_the_drain_timeout_and_says_so(caplog: pytest.LogCaptureFixture):
    worker = Worker(config.load({}))
    handling = asyncio.create_task(worker._tracked(held_until(asyncio.Event(), []))(None))
    await asyncio.sleep(0)
    with caplog.at_level(logging.INFO, logger="workers.consumer"):
        await asyncio.wait_for(worker.stop(drain_timeout=0.1), 5)
    assert "stopping with messages still in hand; they will be redelivered" in caplog.messages
    handling.cancel()
