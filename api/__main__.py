"""``python -m api``: serve the operator HTTP API on API_LISTEN."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from shared import config, logs
from shared.config import split_hostport

from .app import build


def main() -> None:
    settings = config.load()
    logs.setup(settings.log_level, settings.log_format)
    host, port = split_hostport(settings.api_listen)
    logging.getLogger("api").info("API listening", extra={"listen": settings.api_listen})
    web.run_app(build(settings), host=host, port=port, print=None, access_log=None)


if __name__ == "__main__":
    try:
        main()
    except config.ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
