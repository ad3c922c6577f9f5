"""``python -m gateway``: serve stations until SIGINT/SIGTERM, then close them cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from shared import config, eventloop, health, logs

from .server import Gateway


async def main() -> None:
    settings = config.load()
    logs.setup(
        settings.log_level, settings.log_format, settings.log_limit_lines, settings.log_limit_window
    )
    gateway = Gateway(settings)
    await gateway.start()
    health_server = await health.serve(settings.health_listen, gateway.ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logging.getLogger("gateway").info("shutting down", extra={"stations": len(gateway.registry)})
    await gateway.stop()
    if health_server is not None:
        await health_server.cleanup()


if __name__ == "__main__":
    try:
        eventloop.run(main(), config.load().event_loop)
    except config.ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
