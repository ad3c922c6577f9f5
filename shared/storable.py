"""Can the store hold a JSON value as sent? The path of the first part it cannot.

The OCPP schemas accept what no MongoDB document can hold: integers without a maximum,
and objects with any keys in ``customData`` and DataTransfer's ``data``. The workers check
every request here after schema validation and before the handler, so such a message is
refused whole instead of failing half-stored; the operator API can check a command's
``customData`` the same way. Pure: no I/O, nothing from ``workers`` or ``api``.

Refused, wherever it appears:

* an integer outside int64 (BSON has no larger integer; pymongo raises OverflowError);
* a key that starts with ``$`` or contains ``.`` (operators and paths to the store; both
  stores refuse them in a document) or NUL (BSON keys end at NUL);
* objects and arrays nested more than ``MAX_DEPTH`` levels;
* what FerretDB v1 on PostgreSQL cannot hold although MongoDB can (the code runs on both,
  see ``store``): NUL in a string (jsonb text cannot contain U+0000) and an array
  directly inside an array ("nested arrays are not supported").

Refused with PropertyConstraintViolation, OCPP-J (part 4, table 8): "Payload is
syntactically correct but at least one field contains an invalid value". The payload
passed its schema, so it is neither FormatViolation ("Payload for Action is syntactically
incorrect") nor TypeConstraintViolation; nothing is missing or repeated, so neither is it
OccurrenceConstraintViolation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from shared.ocppj import ErrorCode

REFUSED = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Levels of objects and arrays in one payload, itself the first. The deepest payload the
# OCPP 2.0.1 schemas define (ReportChargingProfilesRequest) has 12, 13 with customData;
# MongoDB refuses a document nested more than 100, and a stored document wraps a payload
# in one or two more levels (``request``), so 32 leaves room on both sides.
MAX_DEPTH = 32

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Unstorable:
    """The first part of a value the store cannot hold, and why."""

    path: str
    """As ``shared.schemas`` names a field: ``meterValue[0].timestamp``; a key that is not
    a plain name is quoted as JSON: ``data["$where"]``. ``(payload)`` for the whole value."""
    reason: str

    def describe(self, what: str) -> str:
        """A CALLERROR description, e.g. ``DataTransferRequest: data["$x"]: key starts ...``."""
        return f"{what}: {self.path}: {self.reason}"


def first_unstorable(value: Any) -> Unstorable | None:
    """The first part of ``value`` (parsed JSON), in document order, that the store cannot
    hold as sent; None when all of it can be stored."""
    return _check(value, "", 1, in_array=False)


def _key_path(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{orjson.dumps(key).decode()}]"


def _key_problem(key: str) -> str | None:
    if key.startswith("$"):
        return "key starts with '$', which the store reads as an operator"
    if "." in key:
        return "key contains '.', which the store reads as a path"
    if "\x00" in key:
        return "key contains NUL (U+0000), which the store cannot hold"
    return None


def _check(value: Any, path: str, depth: int, *, in_array: bool) -> Unstorable | None:
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        return Unstorable(path or "(payload)", f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            item_path = _key_path(path, name)
            problem = _key_problem(name)
            if problem is not None:
                return Unstorable(item_path, problem)
            found = _check(item, item_path, depth + 1, in_array=False)
            if found is not None:
                return found
        return None
    if isinstance(value, list):
        if in_array:
            return Unstorable(path, "array directly inside an array, which the store cannot hold")
        for index, item in enumerate(value):
            found = _check(item, f"{path}[{index}]", depth + 1, in_array=True)
            if found is not None:
                return found
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return Unstorable(path or "(payload)", "integer outside the int64 range the store holds")
    if isinstance(value, str) and "\x00" in value:
        return Unstorable(
            path or "(payload)", "string contains NUL (U+0000), which the store cannot hold"
        )
    return None
