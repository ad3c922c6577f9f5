"""The operator console: server-rendered pages (Jinja2) with a little JavaScript for the
live updates, served by the API process at /console/. See README, "Console"."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..keys import CONNECTION
from .live import Feed
from .memo import Memo
from .pages import ROUTES
from .render import CONSOLE_FEED, DASHBOARD, DASHBOARD_SECONDS

__all__ = ["ROUTES", "feed_ctx"]


async def feed_ctx(app: web.Application) -> AsyncIterator[None]:
    """After the bus connection (``app.rabbitmq``): the live feed's queue, closed first,
    and the dashboard's shared numbers."""
    feed = await Feed.start(app[CONNECTION])
    app[CONSOLE_FEED] = feed
    app[DASHBOARD] = Memo(DASHBOARD_SECONDS)

    async def end_streams(app: web.Application) -> None:
        feed.close_all()

    app.on_shutdown.append(end_streams)
    yield
