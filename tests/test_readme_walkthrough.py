"""Issue #15's "done when", as the README tells an operator to try it: the walkthrough
"Try tariffs, display messages and monitoring" is read from the README and replayed line by
line against the test cluster, so the README cannot drift from what works.

Each ``curl`` is sent as curl sends it (method, path, the ``-d`` text as a form body); the
demo station is started as the README starts it, pointed at the cluster's gateway; a
``sleep`` sleeps. A comment made of JSON members (``# "cost": "4.00"``) is checked against
the answer; the alert steps are checked here, their comments being prose. A person types
slower than this test: a GET is asked again for a few seconds until its check holds.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cluster import Cluster
from tests.conftest import Api

ROOT = Path(__file__).resolve().parent.parent
TITLE = "**Try tariffs, display messages and monitoring**"
CURL_BODY = {"Content-Type": "application/x-www-form-urlencoded"}  # what curl -d sends
PATIENCE = 5.0  # seconds a GET is asked again until its check holds


@dataclass(frozen=True)
class Step:
    line: str
    sleep: float = 0.0  # a ``sleep N;`` before the command
    argv: tuple[str, ...] = ()
    expect: str = ""  # the comment after the command


def walkthrough(readme: str) -> list[Step]:
    """The walkthrough's shell block, one step per command line."""
    start = readme.index("```sh", readme.index(TITLE)) + len("```sh")
    block = readme[start : readme.index("```", start)]
    steps = []
    for line in block.strip().splitlines():
        command, _, expect = line.partition("  #")
        sleep = re.match(r"sleep (\d+(?:\.\d+)?); ", command)
        if sleep:
            command = command[sleep.end() :]
        steps.append(
            Step(
                line,
                float(sleep.group(1)) if sleep else 0.0,
                tuple(shlex.split(command)),
                expect.strip(),
            )
        )
    return steps


def curl(argv: tuple[str, ...], base: str) -> tuple[str, str, str | None]:
    """Method, URL and body of ``curl -H "$H" [-X METHOD] URL [-d BODY]``."""
    args = list(argv[1:])
    assert args[:2] == ["-H", "$H"], argv
    del args[:2]
    method = "GET"
    if args[0] == "-X":
        method, args = args[1], args[2:]
    url, body = args[0], None
    if args[1:]:
        assert args[1] == "-d" and len(args) == 3, argv
        body = args[2]
        method = method if "-X" in argv else "POST"
    assert url.startswith("$A/"), url
    return method, base + url[2:], body


def members(comment: str) -> dict[str, Any] | None:
    """The JSON members a comment lists (``"cost": "4.00", "currency": "EUR"``), or None."""
    try:
        found = json.loads("{" + comment + "}")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


@asynccontextmanager
async def demo_station(argv: tuple[str, ...], ws_url: str) -> AsyncIterator[list[bytes]]:
    """The README's ``.venv/bin/python -m tests.demo_station ... &``, with the cluster's
    gateway as ``--url``; ready once it printed that it is connected. Yields what it
    printed, kept as it goes."""
    assert argv[1:3] == ("-m", "tests.demo_station") and argv[-1] == "&", argv
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *argv[1:-1], "--url", ws_url,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    printed: list[bytes] = []

    async def read(out: asyncio.StreamReader, until: bytes | None) -> None:
        while line := await out.readline():
            printed.append(line)
            if until is not None and until in line:
                return
        assert until is None, b"".join(printed).decode()

    try:
        await asyncio.wait_for(read(proc.stdout, b"connected to"), 10)
        draining = asyncio.create_task(read(proc.stdout, None))
        yield printed
    finally:
        proc.terminate()
        await proc.wait()
    await draining


async def ask(
    api: Api, method: str, url: str, body: str | None, step: Step
) -> tuple[str | None, Any]:
    """One curl of the walkthrough: (None, the answer) when it shows what it should, else
    (what is wrong, the answer). A GET is asked again for a while until it does."""
    headers = {"Authorization": f"Bearer {api.key}", **CURL_BODY}
    expected = members(step.expect)
    deadline = time.monotonic() + (PATIENCE if method == "GET" else 0)
    while True:
        async with api.session.request(method, url, data=body, headers=headers) as response:
            status, answer = response.status, await response.json()
        if status not in (200, 201):
            wrong: str | None = f"{status} {answer}"
        elif expected and {k: answer.get(k) for k in expected} != expected:
            wrong = f"not {expected}: {answer}"
        else:
            wrong = prose_check(method, url, answer)
        if wrong is None or time.monotonic() >= deadline:
            return wrong, answer
        await asyncio.sleep(0.25)


def prose_check(method: str, url: str, answer: Any) -> str | None:
    """The walkthrough's prose comments (and what a person looks for in the answers), as
    checks: None when the answer shows what it should."""
    if method == "GET" and url.endswith("/display-messages"):
        texts = [m["message"]["content"] for m in answer.get("displayMessages", [])]
        return None if "Welcome to Depot A" in texts else f"message not shown: {answer}"
    if "/alerts?" not in url:
        return None
    alerts = answer["alerts"]
    if "active=true" in url:  # "the alert, severity 3"
        shape = [(a["active"], a["severity"], a["variable"]["name"]) for a in alerts]
        return None if shape == [(True, 3, "Power")] else f"no active alert: {alerts}"
    # "active false, clearedAt set", and acknowledged by the step before
    shape = [(a["active"], a["clearedAt"] is not None, a["acknowledged"]) for a in alerts]
    return None if shape == [(False, True, True)] else f"not cleared: {alerts}"


async def test_the_readme_walkthrough_prices_a_charge_shows_a_message_and_raises_an_alert(
    cluster: Cluster, api: Api
):
    steps = walkthrough((ROOT / "README.md").read_text())
    export = steps[0].argv
    assert export[0] == "export" and export[1].startswith("H=Authorization: Bearer "), export
    assert export[2] == "A=localhost:8080/api/v1", export
    seen: list[str] = []
    alert_id = ""
    async with AsyncExitStack() as stack:
        for step in steps[1:]:
            await asyncio.sleep(step.sleep)
            if step.argv[0].endswith("python"):
                await stack.enter_async_context(demo_station(step.argv, cluster.ws_url))
                continue
            assert step.argv[0] == "curl", step.line
            method, url, body = curl(step.argv, cluster.api_url)
            url = url.replace("<alertId>", alert_id)
            wrong, answer = await ask(api, method, url, body, step)
            assert wrong is None, f"{step.line}\n{wrong}"
            seen.append(f"{method} {url.removeprefix(cluster.api_url)}")
            if "/alerts?" in url and "active=true" in url:
                alert_id = answer["alerts"][0]["alertId"]
    assert "GET /stations/CS010/display-messages" in seen and alert_id, seen
