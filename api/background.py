"""Work the API starts after answering (local list syncs, tariffs sent to stations): each
kind keeps its tasks under its own app key, so they are not collected early and are
cancelled when the API stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from aiohttp import web

Tasks = web.AppKey[set[asyncio.Task[None]]]


def start(app: web.Application, key: Tasks, work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(work)
    app[key].add(task)
    task.add_done_callback(app[key].discard)


def tasks_ctx(key: Tasks) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context holding ``key``'s tasks, cancelling those still running at the end."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        tasks: set[asyncio.Task[None]] = set()
        app[key] = tasks
        yield
        running = list(tasks)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    return ctx
