"""``python -m workers``: consume until SIGINT/SIGTERM; unacked work returns to the queue."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from shared import config, eventloop, health, logs, schemas

from .consumer import Worker


async def main() -> None:
    settings = config.load()
    logs.setup(
        settings.log_level, settings.log_format, settings.log_limit_lines, settings.log_limit_window
    )
    schemas.precompile()
    worker = Worker(settings)
    await worker.start()
    health_server = await health.serve(settings.health_listen, worker.ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logging.getLogger("workers").info("SIGTERM: draining")
    await worker.stop()
    if health_server is not None:
        await health_server.cleanup()


if __name__ == "__main__":
    try:
        eventloop.run(main(), config.load().event_loop)
    except config.ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
