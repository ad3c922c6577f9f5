"""``--selftest``: every payload the scenario can produce, in each version, is checked against
that version's official schemas (1.6, 2.0.1, 2.1), transaction sequences are checked for
order, and the statistics for accuracy. No network: 1.6's StartTransaction is answered here
with a transactionId, as the CSMS would. Returns the problems found (empty: all good)."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime
from typing import Any

from shared import names, ocppj, schemas

from .calls import Payload, Request
from .histogram import Histogram
from .ocpp16 import TRANSACTION_METER_VALUES
from .scenario import DIALECTS, Scenario
from .settings import Settings, new_password

_SHARED_LABELS = {"BootNotification", "StatusNotification", "Heartbeat", "Authorize", "MeterValues"}
_201_LABELS = {"TransactionEvent.Started", "TransactionEvent.Updated", "TransactionEvent.Ended"}
_16_LABELS = {"StartTransaction", TRANSACTION_METER_VALUES, "StopTransaction"}
EXPECTED_LABELS = {
    names.OCPP16: _SHARED_LABELS | _16_LABELS,
    names.OCPP201: _SHARED_LABELS | _201_LABELS,
    names.OCPP21: _SHARED_LABELS | _201_LABELS,
}
EXPECTED_STATUSES = {
    names.OCPP16: {"Available", "Charging", "Unavailable"},
    names.OCPP201: {"Available", "Occupied", "Unavailable"},
    names.OCPP21: {"Available", "Occupied", "Unavailable"},
}


def requests(
    version: str, seed: int, evses: int, steps: int, *, answer_starts: bool = True
) -> list[Request]:
    """One station's calls from boot to teardown. 1.6 StartTransactions get the next
    transactionId, as from the CSMS, unless ``answer_starts`` is False (no answer came)."""
    rng = random.Random(seed)
    scenario = Scenario.create(
        f"loadgen-{seed:05d}", f"abc123-{seed}", "LOADGEN0001", evses, rng, version=version
    )
    sent = [scenario.boot(), *scenario.initial_status()]
    starts = 0
    for _ in range(steps):
        request = scenario.next_call()
        sent.append(request)
        starts += request.action == "StartTransaction"
        if answer_starts and request.on_answer is not None:
            answer: Payload = {"transactionId": starts, "idTagInfo": {"status": "Accepted"}}
            request.on_answer(answer)
    return sent + scenario.teardown()


def _check_payloads(version: str, requests: list[Request], problems: list[str]) -> None:
    for request in requests:
        try:
            schemas.validate(request.action, "Request", request.payload, version)
        except schemas.SchemaViolation as exc:
            problems.append(
                f"{version} {request.label}: {exc.code} at {exc.path}: {exc} ({request.payload})"
            )
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


def _event(request: Request, starts: int) -> tuple[str, str, int | None] | None:
    """(transaction id, Started/Updated/Ended, seqNo) of a transaction's message, else None.
    A 1.6 StartTransaction's id is the one ``requests`` answered: the number of starts."""
    payload = request.payload
    if request.action == "TransactionEvent":
        info = payload["transactionInfo"]
        return str(info["transactionId"]), payload["eventType"], payload["seqNo"]
    if request.action == "StartTransaction":
        return str(starts), "Started", None
    if request.action == "MeterValues" and "transactionId" in payload:
        return str(payload["transactionId"]), "Updated", None
    if request.action == "StopTransaction":
        return str(payload["transactionId"]), "Ended", None
    return None


def _check_transactions(
    requests: list[Request], problems: list[str], *, answered: bool = True
) -> None:
    """Each transaction authorized, started once, updated in order, ended once. Unanswered
    1.6 starts are left out: nothing may follow them."""
    seen: dict[str, list[tuple[str, int | None]]] = {}
    authorized = starts = 0
    for request in requests:
        if request.action == "Authorize":
            authorized += 1
        starts += request.action == "StartTransaction"
        event = _event(request, starts)
        if event is None or (event[1] == "Started" and not answered):
            continue
        transaction_id, kind, seq_no = event
        seen.setdefault(transaction_id, []).append((kind, seq_no))
        if kind == "Started":
            if authorized == 0:
                problems.append(f"{transaction_id}: Started without a preceding Authorize")
            authorized = max(authorized - 1, 0)
    for transaction_id, events in seen.items():
        kinds = [kind for kind, _ in events]
        seq = [seq_no for _, seq_no in events if seq_no is not None]
        if seq and seq != list(range(len(events))):
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


def _check_version(version: str, problems: list[str]) -> int:
    """Replays stations of one version; returns how many payloads were checked."""
    labels: Counter[str] = Counter()
    statuses: set[str] = set()
    checked = 0
    for seed in range(60):
        evses = 1 + seed % 3
        # short runs end in the middle of flows, long ones go through many transactions;
        # every fifth station's 1.6 StartTransactions go unanswered (timeouts)
        answered = seed % 5 != 4
        sent = requests(
            version, seed, evses, steps=[3, 7, 40, 400][seed % 4], answer_starts=answered
        )
        _check_payloads(version, sent, problems)
        _check_transactions(sent, problems, answered=answered or version != names.OCPP16)
        checked += len(sent)
        for request in sent:
            labels[request.label] += 1
            if request.action == "StatusNotification":
                payload = request.payload
                statuses.add(payload.get("connectorStatus") or payload["status"])
    missing = EXPECTED_LABELS[version] - set(labels)
    if missing:
        problems.append(f"{version}: the scenario never produced {sorted(missing)}")
    if EXPECTED_STATUSES[version] - statuses:
        problems.append(
            f"{version}: no StatusNotification with {sorted(EXPECTED_STATUSES[version] - statuses)}"
        )
    print(
        f"selftest {version}: {checked} payloads checked, by label: {dict(sorted(labels.items()))}"
    )
    return checked


def run() -> list[str]:
    problems: list[str] = []
    for version in DIALECTS:
        _check_version(version, problems)

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
    return problems
