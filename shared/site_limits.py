"""A site's external limit as an energy manager sends it, over the API or the bus.

Over the bus it is a ``site.limit`` message on ``ocpp.site-limits`` whose JSON body is the
API's body plus ``siteId``; ``"maxCurrent": null`` clears the limit. One check for both ways
in, so a limit the bus accepts is one the API would accept too, and the stored document
(``site_limits``) has one shape whoever wrote it. Pure: the caller passes ``now`` and maps
``InvalidLimit`` to its own answer (a 422, a dropped message).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import orjson

from shared import timestamps

SITE_ID_PATTERN = re.compile(r"[A-Za-z0-9._~-]{1,64}")
FIELDS = ("maxCurrent", "until", "source")
MAX_CURRENT = 100_000.0  # A per phase: far above any grid connection, below float trouble
MAX_TEXT = 200


class InvalidLimit(ValueError):
    """A limit body that cannot be stored; the message says why, ``detail`` what, if any."""

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.detail = detail


def number(body: dict[str, Any], name: str, low: float, *, low_ok: bool = True) -> float:
    """``body[name]`` as a current in ``[low, MAX_CURRENT]`` (``(low, ...]`` unless ``low_ok``)."""
    value = body[name]
    # bool is an int to Python, never a current to an operator.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidLimit(f"{name} must be a number")
    if value < low or (value == low and not low_ok) or value > MAX_CURRENT:
        bound = ">=" if low_ok else ">"
        raise InvalidLimit(f"{name} must be {bound} {low} and <= {MAX_CURRENT:g}")
    return float(value)


def text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidLimit(f"{name} must be a string of at most {MAX_TEXT} characters")
    return value


def unknown(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = set(body) - set(allowed)
    if extra:
        raise InvalidLimit("Unknown fields", sorted(extra))


def limit_fields(body: Any, now: datetime) -> dict[str, Any]:
    """The stored fields (``maxCurrent``, ``until``, ``source``) of a limit body.

    ``until``, when given, must be later than ``now``: a limit that already ended would be
    stored only to be ignored, which hides the sender's clock or unit mistake.

    Raises:
        InvalidLimit: the body is not an object, lacks ``maxCurrent``, has unknown fields or
            a field out of range.
    """
    if not isinstance(body, dict):
        raise InvalidLimit("the limit must be a JSON object")
    unknown(body, FIELDS)
    if "maxCurrent" not in body:
        raise InvalidLimit("maxCurrent is required (A per phase; 0 stops charging)")
    until = None
    if body.get("until") is not None:
        try:
            if not isinstance(body["until"], str):
                raise timestamps.NotADateTime("not a string")
            until = timestamps.parse(body["until"])
        except timestamps.NotADateTime:
            raise InvalidLimit(
                "until must be an RFC 3339 date-time with a time zone (e.g. Z)"
            ) from None
        if until <= now:
            raise InvalidLimit("until must be in the future")
    return {
        "maxCurrent": number(body, "maxCurrent", 0),
        "until": until,
        "source": text(body, "source"),
    }


def read_message(body: bytes) -> tuple[str, dict[str, Any]]:
    """The site a ``site.limit`` message names, and the limit body without ``siteId``.

    Separate from ``message_fields`` so the caller can tell an unknown site (whose id
    it must not trust as a log key) from a known site's invalid limit.

    Raises:
        InvalidLimit: not a JSON object, or no valid ``siteId``.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidLimit("the message is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidLimit("the message must be a JSON object")
    site = data.pop("siteId", None)
    if not isinstance(site, str) or not SITE_ID_PATTERN.fullmatch(site):
        raise InvalidLimit("siteId must be 1 to 64 characters of a-z A-Z 0-9 . _ ~ -")
    return site, data


def message_fields(rest: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The stored fields of a message's limit, or None when it clears the limit
    (``"maxCurrent": null``, which the API says with DELETE).

    Raises:
        InvalidLimit: as ``limit_fields``.
    """
    if "maxCurrent" in rest and rest["maxCurrent"] is None:
        unknown(rest, FIELDS)
        return None
    return limit_fields(rest, now)
