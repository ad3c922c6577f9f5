"""``--selftest``: every payload the scenario can produce is checked against the official
OCPP 2.0.1 schemas, transaction sequences are checked for order, and the statistics for
accuracy. No network. Returns the problems found (empty: all good)."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime
from typing import Any

from shared import ocppj, schemas

from .histogram import Histogram
from .scenario import Request, Scenario
from .settings import Settings, new_password

EXPECTED_LABELS = {
    "BootNotification",
    "StatusNotification",
    "Heartbeat",
    "Authorize",
    "MeterValues",
    "TransactionEvent.Started",
    "TransactionEvent.Updated",
    "TransactionEvent.Ended",
}
EXPECTED_STATUSES = {"Available", "Occupied", "Unavailable"}


def _requests(seed: int, evses: int, steps: int) -> list[Request]:
    rng = random.Random(seed)
    scenario = Scenario.create(f"loadgen-{seed:05d}", f"abc123-{seed}", "LOADGEN0001", evses, rng)
    requests = [scenario.boot(), *scenario.initial_status()]
    requests += [scenario.next_call() for _ in range(steps)]
    requests += scenario.teardown()
    return requests


def _check_payloads(requests: list[Request], problems: list[str]) -> None:
    for request in requests:
        try:
            schemas.validate(request.action, "Request", request.payload)
        except schemas.SchemaViolation as exc:
            problems.append(f"{request.label}: {exc.code} at {exc.path}: {exc} ({request.payload})")
        for value in _timestamps(request.payload):
            if not _is_utc_z(value):
                problems.append(f"{request.label}: timestamp {value!r} is not UTC with Z")


def _is_utc_z(value: str) -> bool:
    try:
        offset = datetime.fromisoformat(value).utcoffset()
    except ValueError:
        return False
    return value.endswith("Z") and offset is not None and not offset


def _timestamps(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == "timestamp" and isinstance(v, str)]
        return found + [t for v in value.values() for t in _timestamps(v)]
    if isinstance(value, list):
        return [t for item in value for t in _timestamps(item)]
    return []


def _check_transactions(requests: list[Request], problems: list[str]) -> None:
    seen: dict[str, list[Request]] = {}
    authorized = 0
    for request in requests:
        if request.action == "Authorize":
            authorized += 1
        if request.action != "TransactionEvent":
            continue
        transaction_id = request.payload["transactionInfo"]["transactionId"]
        seen.setdefault(transaction_id, []).append(request)
        if request.payload["eventType"] == "Started":
            if authorized == 0:
                problems.append(f"{transaction_id}: Started without a preceding Authorize")
            authorized = max(authorized - 1, 0)
    for transaction_id, events in seen.items():
        seq = [event.payload["seqNo"] for event in events]
        kinds = [event.payload["eventType"] for event in events]
        if seq != list(range(len(events))):
            problems.append(f"{transaction_id}: seqNo {seq} is not 0, 1, 2, ...")
        if kinds[0] != "Started" or kinds[-1] != "Ended" or "Ended" in kinds[:-1]:
            problems.append(f"{transaction_id}: events {kinds} are not Started ... Ended")
        if "Started" in kinds[1:]:
            problems.append(f"{transaction_id}: more than one Started")


def _check_histogram(problems: list[str]) -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(-4, 1.2) for _ in range(20_000)]
    histogram, other = Histogram(), Histogram()
    for i, value in enumerate(values):
        (histogram if i % 2 else other).record(value)
    histogram.merge(other)
    ordered = sorted(values)
    for q in (50, 95, 99, 99.9):
        exact = ordered[max(0, math.ceil(len(ordered) * q / 100) - 1)]
        got = histogram.percentile(q)
        if got is None or abs(got - exact) / exact > 0.01:
            problems.append(f"histogram p{q}: {got} vs exact {exact}")
    if histogram.count != len(values) or histogram.max != max(values):
        problems.append("histogram count or max wrong after merge")
    if Histogram.from_dict(histogram.to_dict()).percentile(99) != histogram.percentile(99):
        problems.append("histogram does not survive to_dict/from_dict")


def run() -> list[str]:
    problems: list[str] = []
    labels: Counter[str] = Counter()
    statuses: set[str] = set()
    checked = 0
    for seed in range(60):
        evses = 1 + seed % 3
        # short runs end in the middle of flows, long ones go through many transactions
        requests = _requests(seed, evses, steps=[3, 7, 40, 400][seed % 4])
        _check_payloads(requests, problems)
        _check_transactions(requests, problems)
        checked += len(requests)
        for request in requests:
            labels[request.label] += 1
            if request.action == "StatusNotification":
                statuses.add(request.payload["connectorStatus"])
    missing = EXPECTED_LABELS - set(labels)
    if missing:
        problems.append(f"the scenario never produced {sorted(missing)}")
    if EXPECTED_STATUSES - statuses:
        problems.append(f"no StatusNotification with {sorted(EXPECTED_STATUSES - statuses)}")

    answer = ocppj.parse(ocppj.error_frame("1", ocppj.ErrorCode.NOT_SUPPORTED, "x"))
    if not isinstance(answer, ocppj.CallError) or answer.code != "NotSupported":
        problems.append("the NotSupported answer to a CSMS call does not parse as CALLERROR")

    defaults = Settings(
        url="ws://127.0.0.1:9000/ocpp",
        api="http://127.0.0.1:8080/api/v1",
        stations=99_999,
        rate=1000,
        duration=60,
        password=new_password(),
    )
    problems += [f"default settings: {problem}" for problem in defaults.check()]
    _check_histogram(problems)
    print(f"selftest: {checked} payloads checked, by label: {dict(sorted(labels.items()))}")
    return problems
