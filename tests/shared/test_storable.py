"""What the store cannot hold as sent, found and named by its path."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shared.storable import INT64_MAX, INT64_MIN, MAX_DEPTH, first_unstorable


def nested(levels: int, leaf: Any = 1) -> Any:
    """``levels`` objects, one inside the other, around ``leaf``."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"seqNo": INT64_MAX, "evseId": INT64_MIN, "ok": True, "none": None, "f": 1e308},
        {"data": {"": 1, "a-b c": "é\u2028", "x$": 2, "vendorId": "com.example"}},
        {"meterValue": [{"sampledValue": [{"value": 2.0**64}]}]},
        [1, {"a": [2, {"b": [3]}]}],
        nested(MAX_DEPTH - 1, []),
        "plain",
        INT64_MAX,
    ],
)
def test_what_the_store_holds_passes(value: Any) -> None:
    assert first_unstorable(value) is None


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"seqNo": INT64_MAX + 1}, "seqNo"),
        ({"seqNo": INT64_MIN - 1}, "seqNo"),
        ({"n": 2**64 - 1}, "n"),
        (
            {"meterValue": [{"sampledValue": [{"x": 1}, {"x": 2**100}]}]},
            "meterValue[0].sampledValue[1].x",
        ),
        ({"data": [0, 2**63]}, "data[1]"),
        (2**63, "(payload)"),
    ],
)
def test_an_integer_outside_int64_is_named(value: Any, path: str) -> None:
    found = first_unstorable(value)

    assert found is not None and found.path == path
    assert "int64" in found.reason


def test_a_boolean_is_not_taken_for_an_integer() -> None:
    assert first_unstorable({"tbc": True, "x": False}) is None


@pytest.mark.parametrize(
    ("value", "path", "reason"),
    [
        ({"data": {"$where": 1}}, 'data["$where"]', "'$'"),
        ({"$": 1}, '["$"]', "'$'"),
        ({"data": {"a": {"b.c": 1}}}, 'data.a["b.c"]', "'.'"),
        ({"customData": {"vendorId": "v", "a\x00": 1}}, 'customData["a\\u0000"]', "NUL"),
        ({"data": [{"ok": 1}, {"$set": 1}]}, 'data[1]["$set"]', "'$'"),
    ],
)
def test_a_key_the_store_refuses_or_reads_as_a_path_is_named(
    value: Any, path: str, reason: str
) -> None:
    found = first_unstorable(value)

    assert found is not None and found.path == path
    assert reason in found.reason


def test_a_bad_key_is_named_before_a_bad_value_inside_it() -> None:
    found = first_unstorable({"data": {"$x": {"n": 2**64}}})

    assert found is not None and found.path == 'data["$x"]' and "'$'" in found.reason


def test_the_first_problem_in_document_order_is_named() -> None:
    found = first_unstorable({"a": 1, "b": {"c": 2**64}, "$d": 1})

    assert found is not None and found.path == "b.c"


def test_depth_up_to_the_limit_passes_and_one_more_level_is_named() -> None:
    assert first_unstorable(nested(MAX_DEPTH)) is None

    found = first_unstorable(nested(MAX_DEPTH + 1))

    assert found is not None
    assert found.path == ".".join(["a"] * MAX_DEPTH)
    assert str(MAX_DEPTH) in found.reason


def test_arrays_count_as_levels() -> None:
    value: Any = {"a": [{"a": [{}]}]}  # 5 levels

    assert first_unstorable(value) is None
    found = first_unstorable(nested(MAX_DEPTH - 4, value))
    assert found is not None and found.path == ".".join(["a"] * (MAX_DEPTH - 4)) + ".a[0].a[0]"


def test_a_deep_hostile_value_is_walked_no_further_than_the_limit() -> None:
    hostile = orjson.loads("[{" + '"a":{' * 1000 + "}" * 1000 + "}]")

    found = first_unstorable({"data": hostile})

    assert found is not None and "deeper" in found.reason


def test_an_array_directly_inside_an_array_is_named() -> None:
    found = first_unstorable({"data": {"m": [[1, 2], [3]]}})

    assert found is not None and found.path == "data.m[0]" and "array" in found.reason


def test_nul_in_a_string_is_named() -> None:
    found = first_unstorable({"data": ["ok", "a\x00b"]})

    assert found is not None and found.path == "data[1]" and "NUL" in found.reason


def test_describe_names_the_message_and_the_field() -> None:
    found = first_unstorable({"data": {"$x": 1}})

    assert found is not None
    assert found.describe("DataTransferRequest") == (
        f'DataTransferRequest: data["$x"]: {found.reason}'
    )
