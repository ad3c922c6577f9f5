"""``python -m gateway``: serve stations until SIGINT/SIGTERM, then close them cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from shared import config, logs

from .server import Gateway


async def main() -> None:
    settings = config.load()
    logs.setup(settings.log_level, settings.log_format)
    gateway = Gateway(settings)
    await gateway.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logging.getLogger("gateway").info("shutting down", extra={"stations": len(gateway.registry)})
    await gateway.stop()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except config.ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
