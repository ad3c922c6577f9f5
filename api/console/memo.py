"""A value computed at most once per period for the whole API process: the dashboard's
numbers are re-read by every open browser on every fleet event (debounced to one a
second each), and at 100,000 stations each count scans a collection on FerretDB."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._value: T | None = None
        self._at = -float("inf")
        self._lock = asyncio.Lock()

    async def get(self, compute: Callable[[], Awaitable[T]]) -> T:
        """The last value if younger than the period, else a fresh one; browsers asking
        together wait for one computation instead of starting one each."""
        async with self._lock:
            if self._value is None or time.monotonic() - self._at >= self._seconds:
                self._value = await compute()
                self._at = time.monotonic()
            return self._value
