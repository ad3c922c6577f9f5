"""shared.site_limits: the one check of an external limit, for the API and the bus."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.site_limits import InvalidLimit, limit_fields, message_fields, read_message

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_full_limit_gives_its_stored_fields() -> None:
    body = {"maxCurrent": 120, "until": "2026-12-03T13:00:00Z", "source": "EMS"}

    fields = limit_fields(body, NOW)

    assert fields == {"maxCurrent": 120.0, "until": NOW + timedelta(hours=1), "source": "EMS"}
    assert isinstance(fields["maxCurrent"], float)


def test_until_and_source_are_optional_and_zero_stops_charging() -> None:
    assert limit_fields({"maxCurrent": 0}, NOW) == {
        "maxCurrent": 0.0,
        "until": None,
        "source": None,
    }
    assert limit_fields({"maxCurrent": 6.5, "until": None, "source": None}, NOW)["until"] is None


def test_until_is_stored_in_utc() -> None:
    fields = limit_fields({"maxCurrent": 10, "until": "2026-12-03T14:30:00+01:00"}, NOW)

    assert fields["until"] == datetime(2026, 12, 3, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "maxCurrent is required"),
        ({"maxCurrent": None}, "maxCurrent must be a number"),
        ({"maxCurrent": "12"}, "maxCurrent must be a number"),
        ({"maxCurrent": True}, "maxCurrent must be a number"),
        ({"maxCurrent": math.nan}, "maxCurrent must be a number"),
        ({"maxCurrent": math.inf}, "maxCurrent must be a number"),
        ({"maxCurrent": -0.1}, "maxCurrent must be >= 0 and <= 100000"),
        ({"maxCurrent": 100_000.1}, "maxCurrent must be >= 0 and <= 100000"),
        ({"maxCurrent": 10, "until": "tomorrow"}, "until must be an RFC 3339 date-time"),
        ({"maxCurrent": 10, "until": "2026-12-04T12:00:00"}, "until must be an RFC 3339"),
        ({"maxCurrent": 10, "until": 1_800_000_000}, "until must be an RFC 3339"),
        ({"maxCurrent": 10, "until": "2026-12-03T12:00:00Z"}, "until must be in the future"),
        ({"maxCurrent": 10, "until": "2020-01-01T00:00:00Z"}, "until must be in the future"),
        ({"maxCurrent": 10, "source": 7}, "source must be a string of at most 200"),
        ({"maxCurrent": 10, "source": "x" * 201}, "source must be a string of at most 200"),
        ({"maxCurrent": 10, "siteId": "S"}, "Unknown fields"),
    ],
)
def test_a_wrong_limit_is_refused_saying_why(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidLimit, match="^" + message.replace("(", r"\(")):
        limit_fields(body, NOW)


def test_unknown_fields_are_named_in_the_detail() -> None:
    with pytest.raises(InvalidLimit) as raised:
        limit_fields({"maxCurrent": 10, "why": 1, "who": 2}, NOW)

    assert raised.value.detail == ["who", "why"]
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("body", [None, [], "12", 12])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    with pytest.raises(InvalidLimit, match="JSON object"):
        limit_fields(body, NOW)


def test_the_largest_limit_and_the_longest_source_pass() -> None:
    fields = limit_fields({"maxCurrent": 100_000, "source": "x" * 200}, NOW)

    assert fields["maxCurrent"] == 100_000.0 and len(fields["source"]) == 200


def test_a_bus_message_names_its_site_and_carries_the_api_body() -> None:
    body = b'{"siteId": "DEPOT-A", "maxCurrent": 120.0, "source": "EMS"}'

    site, rest = read_message(body)

    assert site == "DEPOT-A" and rest == {"maxCurrent": 120.0, "source": "EMS"}
    assert message_fields(rest, NOW) == {"maxCurrent": 120.0, "until": None, "source": "EMS"}


def test_a_null_max_current_clears_the_limit() -> None:
    site, rest = read_message(b'{"siteId": "S", "maxCurrent": null, "source": "EMS"}')

    assert site == "S" and message_fields(rest, NOW) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "the message is not JSON"),
        (b"[1]", "the message must be a JSON object"),
        (b'{"maxCurrent": 10}', "siteId must be"),
        (b'{"siteId": 7, "maxCurrent": 10}', "siteId must be"),
        (b'{"siteId": "a b", "maxCurrent": 10}', "siteId must be"),
        (b'{"siteId": "' + b"s" * 65 + b'", "maxCurrent": 10}', "siteId must be"),
    ],
)
def test_a_message_without_a_site_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(InvalidLimit, match=message):
        read_message(body)


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        ({"maxCurrent": "x"}, "maxCurrent must be a number"),
        ({}, "maxCurrent is required"),
        ({"maxCurrent": None, "why": 1}, "Unknown fields"),
    ],
)
def test_a_message_with_a_wrong_limit_is_refused(rest: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidLimit, match=message):
        message_fields(rest, NOW)
