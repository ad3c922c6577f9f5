"""/healthz (alive), /readyz (its dependencies are reachable) and /metrics (Prometheus) for
gateways and workers, on HEALTH_LISTEN; Kubernetes probes and scrapes these.

The API serves the same three routes on its own port (``api/app.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.config import split_hostport

log = logging.getLogger("health")

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


def routes(ready: ReadyCheck) -> list[web.RouteDef]:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        checks = await ready()
        ok = all(checks.values())
        return web.json_response({"ready": ok, "checks": checks}, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest())
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]


async def serve(listen: str, ready: ReadyCheck) -> web.AppRunner | None:
    """Start the health server; None when HEALTH_LISTEN is empty."""
    if not listen:
        return None
    app = web.Application()
    app.add_routes(routes(ready))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = split_hostport(listen)
    await web.TCPSite(runner, host, port).start()
    log.info("health endpoints listening", extra={"listen": listen})
    return runner
