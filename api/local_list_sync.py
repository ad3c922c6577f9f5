"""The API's side of local list syncs: start ``store.local_list_sync.sync`` for stations
in the background after an operator changed a list or a token, and keep the tasks until
shutdown. The driver itself, and how it is serialized per station across processes, is in
``store/local_list_sync.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from aiohttp import web

from store import local_list_sync

from . import background
from .keys import COMMANDS, DB, SETTINGS

LOCKS = web.AppKey("local_list_locks", dict[str, asyncio.Lock])
TASKS = web.AppKey("local_list_tasks", set[asyncio.Task[None]])


def start(app: web.Application, stations: Iterable[str], list_id: str) -> None:
    """Start a sync of each station in the background; the app keeps the tasks."""
    for station in stations:
        background.start(
            app,
            TASKS,
            local_list_sync.sync(
                app[DB],
                app[COMMANDS],
                station,
                list_id,
                app[SETTINGS].command_timeout,
                app[LOCKS].setdefault(station, asyncio.Lock()),
            ),
        )


async def tasks_ctx(app: web.Application) -> AsyncIterator[None]:
    app[LOCKS] = {}
    async for _ in background.tasks_ctx(TASKS)(app):
        yield
