"""The dashboard's shared numbers: computed once for readers arriving together, then
served at once while a fresh value is computed in the background."""

from __future__ import annotations

import asyncio

from api.console.memo import Memo


async def test_readers_share_one_computation_and_never_wait_for_a_refresh():
    memo: Memo[int] = Memo(0.05)
    calls = 0
    release = asyncio.Event()

    async def compute() -> int:
        nonlocal calls
        calls += 1
        if calls > 1:
            await release.wait()
        return calls

    assert await asyncio.gather(*(memo.get(compute) for _ in range(5))) == [1] * 5
    assert calls == 1
    await asyncio.sleep(0.06)
    assert await asyncio.wait_for(memo.get(compute), 0.5) == 1  # stale, refresh started
    assert await asyncio.wait_for(memo.get(compute), 0.5) == 1  # one refresh at a time
    assert calls == 2
    release.set()
    await asyncio.sleep(0.01)
    assert await memo.get(compute) == 2


async def test_a_failed_refresh_keeps_the_last_value():
    memo: Memo[str] = Memo(0.0)
    answers = iter(["first"])

    async def compute() -> str:
        return next(answers)  # StopIteration inside a coroutine: a RuntimeError

    assert await memo.get(compute) == "first"
    assert await memo.get(compute) == "first"
    await asyncio.sleep(0.01)
    assert await memo.get(compute) == "first"
