"""shared.eventloop: uvloop when asked and installed, the standard loop otherwise."""

import asyncio
import threading

import uvloop

from shared import eventloop


def test_uvloop_choice_runs_on_uvloop_and_asyncio_choice_on_the_standard_loop():
    seen: list[type] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()))

    def both() -> None:  # in a thread of its own: the session's test loop stays untouched
        eventloop.run(main(), "uvloop")
        eventloop.run(main(), "asyncio")

    thread = threading.Thread(target=both)
    thread.start()
    thread.join()
    assert seen[0] is uvloop.Loop
    assert seen[1] is not uvloop.Loop and issubclass(seen[1], asyncio.BaseEventLoop)
