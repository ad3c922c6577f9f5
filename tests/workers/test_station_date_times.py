"""Every date-time form the schemas accept is stored as the instant it names; one they must
not accept is refused with the schema's own CALLERROR, and nothing of the message is stored.

Each row puts the date-time in one field of one action and reads it back from where that
action's handler stores it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocppj import CallError
from tests.simulator import RawStation, now
from tests.workers.fixtures import REQUESTS
from tests.workers.test_handlers import booted, result  # noqa: F401 (booted: a fixture)

# Where a station's date-time is stored, per action and field; the path uses the
# schema violation's notation, as the CALLERROR's details do.
FIELDS = [
    ("StatusNotification", "timestamp", names.CONNECTORS, "timestamp"),
    ("TransactionEvent", "timestamp", names.TRANSACTION_EVENTS, "timestamp"),
    ("TransactionEvent", "meterValue[0].timestamp", names.METER_VALUES, "timestamp"),
    ("MeterValues", "meterValue[0].timestamp", names.METER_VALUES, "timestamp"),
    ("NotifyEvent", "generatedAt", names.STATION_EVENTS, "generatedAt"),
    ("NotifyEvent", "eventData[0].timestamp", names.STATION_EVENTS, "timestamp"),
    ("NotifyReport", "generatedAt", names.REPORT_PARTS, "generatedAt"),
    ("NotifyCustomerInformation", "generatedAt", names.CUSTOMER_INFORMATION, "generatedAt"),
    ("SecurityEventNotification", "timestamp", names.SECURITY_EVENTS, "timestamp"),
]

# What the station sends -> the instant stored (BSON keeps milliseconds, truncated).
ACCEPTED = [
    ("2024-03-01t10:00:00z", datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC)),
    ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
    ("2024-03-02T10:00:00.123456789Z", datetime(2024, 3, 2, 10, 0, 0, 123000, tzinfo=UTC)),
    ("2024-03-03T10:00:00+00:00", datetime(2024, 3, 3, 10, 0, 0, tzinfo=UTC)),
    ("2024-03-04T12:30:00+02:30", datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)),
    ("2024-03-05T09:00:00-0100", datetime(2024, 3, 5, 10, 0, 0, tzinfo=UTC)),
]

# Matched by the schema library's date-time pattern, but no instant the store can hold:
# digits that are not ASCII (RFC 3339's DIGIT is 0-9), year 0, past year 9999 in UTC.
REFUSED = [
    "\u0662\u0660\u0662\u0664-03-01T10:00:00Z",
    "0000-03-01T10:00:00Z",
    "9999-12-31T23:30:00-01:00",
]

# Every collection a station's message may write to (not the batched last-seen notes).
WRITTEN = (
    names.CONNECTORS,
    names.TRANSACTIONS,
    names.TRANSACTION_EVENTS,
    names.METER_VALUES,
    names.DEVICE_MODEL,
    names.REPORTS,
    names.REPORT_PARTS,
    names.STATION_EVENTS,
    names.SECURITY_EVENTS,
    names.CUSTOMER_INFORMATION,
    names.DATA_TRANSFERS,
)


async def stored_count(db: AsyncDatabase[Any], station: str) -> int:
    return sum([await db[c].count_documents({"station": station}) for c in WRITTEN])


def request(action: str, path: str, value: str, n: int) -> dict[str, Any]:
    """The fixture request with ``value`` at ``path`` and every key it is stored under
    made unique by ``n``."""
    payload = copy.deepcopy(REQUESTS[action])
    if action == "TransactionEvent":
        payload["seqNo"] = n
        payload["meterValue"] = [{"timestamp": now(), "sampledValue": [{"value": 1.0}]}]
    elif action == "StatusNotification":
        payload["evseId"] = n + 1
    elif action in ("NotifyReport", "NotifyCustomerInformation"):
        payload["seqNo"] = n
    target: Any = payload
    steps = path.replace("[", ".").replace("]", "").split(".")
    for step in steps[:-1]:
        target = target[int(step) if step.isdigit() else step]
    target[steps[-1]] = value
    return payload


@pytest.mark.parametrize(("action", "path", "collection", "field"), FIELDS)
async def test_every_schema_date_time_form_is_stored_as_its_instant(
    booted: RawStation,  # noqa: F811
    station: str,
    db: AsyncDatabase[Any],
    action: str,
    path: str,
    collection: str,
    field: str,
):
    for n, (sent, instant) in enumerate(ACCEPTED):
        await result(booted, action, request(action, path, sent, n))
        stored = await db[collection].find_one({"station": station, field: instant})
        assert stored is not None, (sent, instant)


@pytest.mark.parametrize(("action", "path", "collection", "field"), FIELDS)
async def test_a_date_time_no_store_can_hold_is_refused_and_nothing_stored(
    booted: RawStation,  # noqa: F811
    station: str,
    db: AsyncDatabase[Any],
    action: str,
    path: str,
    collection: str,
    field: str,
):
    before = await stored_count(db, station)
    for n, sent in enumerate(REFUSED):
        answer = await booted.call(action, request(action, path, sent, n))
        assert isinstance(answer, CallError), (sent, answer)
        assert (answer.code, answer.description, answer.details) == (
            "PropertyConstraintViolation",
            f"{action}Request: data.{path} must be date-time",
            {"path": path},
        ), sent
    assert await stored_count(db, station) == before
