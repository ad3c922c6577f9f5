"""A value computed at most once per period for the whole API process, served stale while
a fresh one is computed: the dashboard's numbers are re-read by every open browser on
every fleet event (debounced to one a second each), and on FerretDB at 100,000 stations
computing them takes seconds (``bench.console_fleet``). Only the first reader waits."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger("api.console")


class Memo(Generic[T]):
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._value: T | None = None
        self._at = -float("inf")
        self._first = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    async def _compute(self, compute: Callable[[], Awaitable[T]]) -> None:
        self._value = await compute()
        self._at = time.monotonic()

    async def _background(self, compute: Callable[[], Awaitable[T]]) -> None:
        try:
            await self._compute(compute)
        except Exception:  # the last value stays; the next reader tries again
            log.exception("could not refresh the console's numbers")
        finally:
            self._refresh = None

    async def get(self, compute: Callable[[], Awaitable[T]]) -> T:
        """The last value, refreshed in the background once it is older than the period;
        readers before the first value wait for one computation together."""
        if self._value is None:
            async with self._first:
                if self._value is None:
                    await self._compute(compute)
        elif time.monotonic() - self._at >= self._seconds and self._refresh is None:
            self._refresh = asyncio.create_task(self._background(compute))
        assert self._value is not None
        return self._value
