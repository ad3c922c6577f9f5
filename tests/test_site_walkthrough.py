"""The README's "Try it" for smart charging (block K), step by step through the API with
three ``tests.demo_station`` stations: the bodies come from the README's own lines, and each
line's comment is the allocation the test waits for, so the README cannot drift."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.demo_station import DemoStation
from tests.simulator import sim_station
from tests.test_end_to_end import eventually

README = Path(__file__).resolve().parent.parent / "README.md"

STEPS = [
    ("start CS001 1;", "# REMOTE-1 at 32 A", {"REMOTE-1": 32.0}),
    ("start CS002 2;", "# 16 A each", {"REMOTE-1": 16.0, "REMOTE-2": 16.0}),
    ("start CS003 3;", "# 10.6 A each", {f"REMOTE-{i}": 10.6 for i in (1, 2, 3)}),
    (
        "/limit -d",
        "# 6, 6 and 0 A (the newest)",
        {"REMOTE-1": 6.0, "REMOTE-2": 6.0, "REMOTE-3": 0.0},
    ),
    (
        "-X DELETE $A/sites/DEPOT-A/limit",
        "# 10.6 A each again",
        {f"REMOTE-{i}": 10.6 for i in (1, 2, 3)},
    ),
    ("RequestStopTransaction", "", {}),
    ("curl", "# REMOTE-2 and REMOTE-3 at 16 A", {"REMOTE-2": 16.0, "REMOTE-3": 16.0}),
]


def walkthrough() -> list[str]:
    """The shell lines of the smart-charging "Try it" block."""
    text = README.read_text()
    section = text[text.index("## Smart charging and site load management") :]
    block = section[section.index("**Try it**") :]
    block = block[block.index("```sh") + 5 : block.index("```", block.index("```sh") + 5)]
    return [line for line in block.splitlines() if line.strip()]


def body(line: str) -> dict[str, Any]:
    found = re.search(r"-d '(\{.*\})'", line)
    assert found, line
    parsed: dict[str, Any] = json.loads(found.group(1))
    return parsed


def test_the_walkthrough_says_what_the_test_checks():
    lines = walkthrough()
    steps = lines[-len(STEPS) :]
    for (fragment, comment, _), line in zip(STEPS, steps, strict=True):
        assert fragment in line and line.rstrip().endswith(comment), (fragment, comment, line)


async def test_the_readme_walkthrough_runs_as_it_says(cluster: Cluster, api: Api):
    lines = walkthrough()
    site_line = next(line for line in lines if "-X PUT $A/sites/DEPOT-A -d" in line)
    limit_line = next(line for line in lines if "/limit -d" in line)
    suffix = uuid.uuid4().hex[:6]
    ids = [f"CS-WALK-{suffix}-{i}" for i in range(3)]
    for station in ids:
        await api.register(station, PASSWORD)
    site = f"DEPOT-{suffix}"
    status, answer = await api.request(
        "PUT", f"/sites/{site}", {**body(site_line), "stations": ids}
    )
    assert status == 201, answer

    async def allocated(expected: dict[str, float]) -> None:
        async def settled() -> Any:
            _, shown = await api.request("GET", f"/sites/{site}")
            got = {
                a["transactionId"]: a["limit"]
                for a in shown["allocations"]
                if a["status"] == "Accepted"
            }
            return got == expected and len(shown["allocations"]) == len(expected) and shown

        shown = await eventually(settled, timeout=15)
        assert shown, expected
        assert shown["allocatedCurrent"] <= shown["effectiveLimit"]

    async def start(i: int) -> None:
        status, answer = await api.request(
            "POST",
            f"/stations/{ids[i]}/ocpp/RequestStartTransaction",
            {
                "idToken": {"idToken": "04A1B2C3", "type": "ISO14443"},
                "remoteStartId": i + 1,
                "evseId": 1,
            },
        )
        assert status == 200 and answer["response"]["status"] == "Accepted", answer

    async with contextlib.AsyncExitStack() as stack:
        for station in ids:
            cp = await stack.enter_async_context(
                sim_station(cluster.ws_url, station, PASSWORD, cls=DemoStation)
            )
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, 1, "Available")
        for i in range(3):
            await start(i)
            await allocated(STEPS[i][2])
        status, _ = await api.request("PUT", f"/sites/{site}/limit", body(limit_line))
        assert status == 200
        await allocated(STEPS[3][2])
        status, _ = await api.request("DELETE", f"/sites/{site}/limit")
        assert status == 200
        await allocated(STEPS[4][2])
        status, answer = await api.request(
            "POST", f"/stations/{ids[0]}/ocpp/RequestStopTransaction", {"transactionId": "REMOTE-1"}
        )
        assert status == 200, answer
        await allocated(STEPS[6][2])
