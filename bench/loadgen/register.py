"""Before the run: the stations and the id token, through the operator API."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from .settings import Settings

PRINT_EVERY = 5.0


@dataclass(slots=True)
class Registration:
    stations: int = 0  # registered or updated
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    id_token: str = "not registered"
    # CSMS-generated passwords by station (--generated-passwords); never in the report.
    passwords: dict[str, str] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stations": self.stations,
            "failures": dict(self.failures),
            "seconds": round(self.seconds, 3),
            "stations_per_second": round(self.stations / self.seconds, 1) if self.seconds else None,
            "id_token": self.id_token,
        }


async def _put(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """(None, the answer) when the API took it, else (why not, {})."""
    try:
        async with session.put(url, json=body) as response:
            if response.status in (200, 201):
                return None, await response.json()
            return f"HTTP {response.status}: {(await response.text())[:120]}", {}
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:160], {}


async def register(settings: Settings, log: Any = print) -> Registration:
    result = Registration()
    timeout = aiohttp.ClientTimeout(total=max(settings.timeout, 60))
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        problem, _ = await _put(
            session,
            f"{settings.api}/id-tokens/{quote(settings.id_token, safe='')}",
            {"type": "ISO14443", "status": "Accepted"},
        )
        result.id_token = "Accepted" if problem is None else problem
        if problem is not None:
            log(f"id token {settings.id_token}: {problem}")
        if not settings.register:
            return result

        started = time.perf_counter()
        limit = asyncio.Semaphore(settings.register_concurrency)
        generate = settings.generated_passwords is not None
        body = {"generatePassword": True} if generate else {"password": settings.password}

        async def one(index: int) -> None:
            async with limit:
                station = settings.station_id(index)
                why, answer = await _put(session, f"{settings.api}/stations/{station}", body)
            if why is None and generate and not isinstance(answer.get("password"), str):
                why = "no generated password in the answer (CSMS without generatePassword?)"
            if why is None:
                result.stations += 1
                if generate:
                    result.passwords[station] = answer["password"]
            else:
                result.failures[why] += 1

        async def report() -> None:
            while True:
                await asyncio.sleep(PRINT_EVERY)
                done = result.stations + sum(result.failures.values())
                seconds = time.perf_counter() - started
                log(f"registering: {done}/{settings.stations} ({seconds:.0f}s)")

        reporter = asyncio.create_task(report())
        try:
            await asyncio.gather(*(one(index) for index in range(settings.stations)))
        finally:
            reporter.cancel()
        result.seconds = time.perf_counter() - started
    return result
