"""A station's date-time (RFC 3339, as the schemas' ``format: date-time`` accepts it) -> an
aware UTC ``datetime``.

One parser for every date-time a station sends, and the schema validator's check of that
format (``shared.schemas``), so a payload that passed validation never fails here: a handler
cannot be stopped half-way by a date-time. ``datetime.fromisoformat`` is not enough: it
refuses a lowercase ``t`` or ``z`` and a leap second, which RFC 3339 allows.

What is accepted, beyond RFC 3339's own form (section 5.6):

* ``t``/``T`` between date and time and ``z``/``Z`` as the offset (section 5.6, NOTE);
* any number of fractional digits, truncated to microseconds (the store keeps
  milliseconds anyway);
* an offset without its colon (``+0100``), which the schemas' pattern has always let
  through and stations may rely on;
* a leap second, ``:60``, read as the last microsecond of its minute (see ``parse``).

What is refused although the schema library's pattern matches it: digits other than ASCII
0-9 (its ``\\d`` matches any Unicode digit; RFC 3339's DIGIT is 0-9), and instants outside
the years 0001-9999 in UTC, which Python's ``datetime`` (hence pymongo) cannot hold.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_DATE_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d\d):?(\d\d))\Z",
    re.ASCII,
)
LEAP_SECOND = 60


class NotADateTime(ValueError):
    """A string that is not a date-time this CSMS can store."""


def parse(text: str) -> datetime:
    """The instant ``text`` names, in UTC.

    A leap second (``23:59:60Z``) becomes ``23:59:59.999999`` of the same minute: Python's
    ``datetime`` and BSON's dates (milliseconds since the epoch, POSIX time) have no 61st
    second. That instant keeps the order of what the station reported: after every reading
    of second 59, before the next minute. Rolling over to ``00:00:00`` instead would place
    it on the same instant as a reading taken a second later.

    Raises:
        NotADateTime: ``text`` is not a date-time, or names an instant outside the years
            0001-9999 UTC.
    """
    match = _DATE_TIME.match(text)
    if match is None:
        raise NotADateTime(f"not an RFC 3339 date-time: {text[:40]!r}")
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    microsecond = int((match[7] or "0")[:6].ljust(6, "0"))
    if second == LEAP_SECOND:
        second, microsecond = 59, 999_999
    offset = timedelta(0)
    if match[8]:
        hours, minutes = int(match[9]), int(match[10])
        if hours > 23 or minutes > 59:
            raise NotADateTime(f"offset out of range: {text[:40]!r}")
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if match[8] == "-" else 1)
    try:
        local = datetime(
            year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset)
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise NotADateTime(f"{exc}: {text[:40]!r}") from None


def is_date_time(text: str) -> bool:
    """For the schema validator's ``format: date-time``: will ``parse`` take it?"""
    try:
        parse(text)
    except NotADateTime:
        return False
    return True
