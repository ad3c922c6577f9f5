"""A simulated station leaves when the load window closes, not at its next slot, which
can be minutes away when thousands of stations share a low rate."""

import asyncio

from bench.loadgen.station import Station, Window
from bench.loadgen.stats import Recorder
from tests.bench.test_loadgen_settings import settings


async def test_a_slot_beyond_the_window_is_not_waited_for():
    loop = asyncio.get_running_loop()
    window = Window(loop.time(), loop.time() + 0.05)
    station = Station(settings(), 0, Recorder(), window)
    assert await asyncio.wait_for(station._wait_for_slot(loop.time() + 300), 2) is False


async def test_closing_the_window_early_wakes_a_station_waiting_for_a_far_slot():
    loop = asyncio.get_running_loop()
    window = Window(loop.time(), loop.time() + 600)
    station = Station(settings(), 0, Recorder(), window)
    waiting = asyncio.create_task(station._wait_for_slot(loop.time() + 300))
    await asyncio.sleep(0.05)
    window.end = loop.time()  # the run is stopped (Ctrl-C)
    assert await asyncio.wait_for(waiting, 3) is False


async def test_a_due_slot_is_taken():
    loop = asyncio.get_running_loop()
    window = Window(loop.time(), loop.time() + 600)
    station = Station(settings(), 0, Recorder(), window)
    assert await asyncio.wait_for(station._wait_for_slot(loop.time() + 0.01), 2) is True
