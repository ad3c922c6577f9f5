"""Schema-valid requests the store cannot hold as sent are refused before any handler runs:
PropertyConstraintViolation naming the field, and nothing of the message stored."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocppj import CallError
from shared.storable import MAX_DEPTH
from tests.simulator import RawStation
from tests.workers.fixtures import REQUESTS
from tests.workers.test_handlers import booted, result  # noqa: F401 (booted: a fixture)
from tests.workers.test_station_date_times import stored_count


def nested(levels: int) -> dict[str, Any]:
    """An object ``levels`` deep: {"a": {"a": ... {"a": 1}}}."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def changed(action: str, **fields: Any) -> dict[str, Any]:
    payload = copy.deepcopy(REQUESTS[action])
    payload.update(fields)
    return payload


TRANSACTION = REQUESTS["TransactionEvent"]
EVENT = REQUESTS["NotifyEvent"]["eventData"][0]
DEEP = MAX_DEPTH - 1  # the payload is the first level, ``data`` the second
DEEP_PATH = "data" + ".a" * DEEP

# action, payload, the path named, the reason given
CASES = [
    # 2: integers outside int64 in fields the schemas give no maximum
    ("TransactionEvent", changed("TransactionEvent", seqNo=2**63), "seqNo", "int64"),
    (
        "TransactionEvent",
        changed(
            "TransactionEvent",
            transactionInfo={**TRANSACTION["transactionInfo"], "remoteStartId": 2**64 - 1},
        ),
        "transactionInfo.remoteStartId",
        "int64",
    ),
    (
        "NotifyEvent",
        changed("NotifyEvent", eventData=[{**EVENT, "eventId": 2**63}]),
        "eventData[0].eventId",
        "int64",
    ),
    (
        "NotifyCustomerInformation",
        changed("NotifyCustomerInformation", requestId=2**63),
        "requestId",
        "int64",
    ),
    ("DataTransfer", changed("DataTransfer", data={"n": [1, 2**63]}), "data.n[1]", "int64"),
    # 3: keys the store refuses or reads as paths, anywhere the schemas allow any key
    ("DataTransfer", changed("DataTransfer", data={"$where": "1"}), 'data["$where"]', "'$'"),
    ("DataTransfer", changed("DataTransfer", data={"a": {"b.c": 1}}), 'data.a["b.c"]', "'.'"),
    ("DataTransfer", changed("DataTransfer", data={"a\u0000b": 1}), 'data["a\\u0000b"]', "NUL"),
    (
        "TransactionEvent",
        changed("TransactionEvent", customData={"vendorId": "com.example", "$set": {"x": 1}}),
        'customData["$set"]',
        "'$'",
    ),
    (
        "StatusNotification",
        changed("StatusNotification", customData={"vendorId": "com.example", "a.b": 1}),
        'customData["a.b"]',
        "'.'",
    ),
    # 3: deeper than the limit; 200 levels, as a hostile station sent
    ("DataTransfer", changed("DataTransfer", data=nested(DEEP + 1)), DEEP_PATH, "deeper"),
    ("DataTransfer", changed("DataTransfer", data=nested(200)), DEEP_PATH, "deeper"),
    # what FerretDB v1 (PostgreSQL jsonb) cannot hold
    ("DataTransfer", changed("DataTransfer", data="a\u0000b"), "data", "NUL"),
    ("DataTransfer", changed("DataTransfer", data={"m": [[1, 2], [3]]}), "data.m[0]", "array"),
]


@pytest.mark.parametrize(
    ("action", "payload", "path", "reason"),
    CASES,
    ids=[f"{c[0]}-{c[2] if len(c[2]) < 40 else 'deep'}" for c in CASES],
)
async def test_unstorable_request_is_refused_naming_the_field_and_nothing_stored(
    booted: RawStation,  # noqa: F811
    station: str,
    db: AsyncDatabase[Any],
    action: str,
    payload: dict[str, Any],
    path: str,
    reason: str,
):
    before = await stored_count(db, station)
    answer = await booted.call(action, payload)
    assert isinstance(answer, CallError), answer
    assert answer.code == "PropertyConstraintViolation"
    assert answer.details == {"path": path}
    assert answer.description.startswith(f"{action}Request: {path[:200]}")
    assert reason in answer.description
    assert await stored_count(db, station) == before


async def test_the_deepest_storable_data_is_stored_as_sent(
    booted: RawStation,  # noqa: F811
    station: str,
    db: AsyncDatabase[Any],
):
    await result(booted, "DataTransfer", changed("DataTransfer", data=nested(DEEP)))
    stored = await db[names.DATA_TRANSFERS].find_one({"station": station})
    assert stored is not None and stored["request"]["data"] == nested(DEEP)
