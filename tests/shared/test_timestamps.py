"""The one parser of a station's date-times, against RFC 3339 and the schemas' pattern."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.timestamps import NotADateTime, is_date_time, parse


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01t10:00:00z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00.5Z", datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2024-05-01T10:00:00.1234567891Z", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T10:00:00.9999999Z", datetime(2024, 5, 1, 10, 0, 0, 999999, tzinfo=UTC)),
        ("2024-05-01T10:00:00+00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00-00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:30:00+02:30", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T09:00:00-0100", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T00:00:00+23:59", datetime(2024, 4, 30, 0, 1, tzinfo=UTC)),
        ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_every_rfc_3339_form_names_its_instant_in_utc(text: str, instant: datetime) -> None:
    parsed = parse(text)

    assert parsed == instant
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2016-12-31T23:59:60.5Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2017-01-01T00:59:60+01:00", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_a_leap_second_is_the_last_microsecond_of_its_minute(text: str, instant: datetime) -> None:
    assert parse(text) == instant


def test_a_leap_second_stays_between_second_59_and_the_next_minute() -> None:
    before = parse("2016-12-31T23:59:59.999Z")
    after = parse("2017-01-01T00:00:00Z")

    assert before < parse("2016-12-31T23:59:60Z") < after


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-05-01",
        "2024-05-01T10:00:00",
        "2024-05-01 10:00:00Z",
        "2024-05-01T10:00Z",
        "2024-05-01T10:00:00.Z",
        "2024-13-01T10:00:00Z",
        "2023-02-29T10:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T10:60:00Z",
        "2024-05-01T10:00:61Z",
        "2024-05-01T10:00:00+24:00",
        "2024-05-01T10:00:00+01:60",
        "2024-05-01T10:00:00Z\n",
        " 2024-05-01T10:00:00Z",
        "\u0662\u0660\u0662\u0664-05-01T10:00:00Z",
        "2024-05-01T10:00:00\uff3a",
    ],
)
def test_what_is_no_date_time_is_refused(text: str) -> None:
    with pytest.raises(NotADateTime):
        parse(text)
    assert not is_date_time(text)


@pytest.mark.parametrize(
    "text",
    ["0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"],
    ids=["year-0", "before-year-1-in-utc", "after-year-9999-in-utc"],
)
def test_an_instant_outside_years_1_to_9999_utc_is_refused(text: str) -> None:
    with pytest.raises(NotADateTime):
        parse(text)


def test_the_error_is_a_value_error_and_shows_a_bounded_excerpt() -> None:
    with pytest.raises(ValueError, match="not an RFC 3339 date-time") as caught:
        parse("x" * 10_000)

    assert len(str(caught.value)) < 100
