"""The official OCPP 2.0.1 JSON schemas (shipped in the ``ocpp`` package), compiled once.

Validation is the hot path's largest cost; ``fastjsonschema`` compiles each schema to Python
code and is about twenty times faster than the ``jsonschema`` validator that ``ocpp`` uses
(see ENVIRONMENT.md). The mapping from a failed JSON-schema keyword to an OCPP-J error code
is ours (Part 4, table 8):

* a required field missing, or too few / too many list items -> OccurrenceConstraintViolation
* a value of the wrong JSON type                            -> TypeConstraintViolation
* a value of the right type outside enum, length, range, pattern or format
                                                            -> PropertyConstraintViolation
* a field the schema does not define, or anything else      -> FormatViolation

``format: date-time`` is checked by ``shared.timestamps``, the parser the handlers use, not by
the library's pattern: that pattern lets through digits other than ASCII 0-9 and instants no
``datetime`` can hold (year 0), which then failed in the handler as InternalError.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Callable
from typing import Any, Literal

import fastjsonschema
import orjson

from shared import timestamps
from shared.ocppj import ErrorCode

Direction = Literal["Request", "Response"]

_RULE_CODES: dict[str, ErrorCode] = {
    "required": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "minItems": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "maxItems": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "type": ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    "enum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "maxLength": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "minLength": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "maximum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "minimum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "exclusiveMaximum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "exclusiveMinimum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "multipleOf": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "pattern": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "format": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "additionalProperties": ErrorCode.FORMAT_VIOLATION,
}


# Formats checked by our own code instead of the library's patterns.
FORMATS: dict[str, Callable[[str], bool]] = {"date-time": timestamps.is_date_time}


class SchemaViolation(Exception):
    """A payload that does not match its official schema."""

    def __init__(self, code: ErrorCode, description: str, path: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.path = path


def _schema_dir() -> Any:
    return importlib.resources.files("ocpp") / "v201" / "schemas"


@functools.cache
def actions() -> frozenset[str]:
    """Every OCPP 2.0.1 action name, both directions (64 of them)."""
    names = (entry.name for entry in _schema_dir().iterdir())
    return frozenset(n.removesuffix("Request.json") for n in names if n.endswith("Request.json"))


@functools.cache
def load(action: str, direction: Direction) -> dict[str, Any]:
    if action not in actions():
        raise KeyError(f"no OCPP 2.0.1 action {action!r}")
    text = (_schema_dir() / f"{action}{direction}.json").read_bytes()
    schema: dict[str, Any] = orjson.loads(text)
    return schema


@functools.cache
def _compiled(action: str, direction: Direction) -> Callable[[Any], Any]:
    compiled: Callable[[Any], Any] = fastjsonschema.compile(
        load(action, direction), formats=FORMATS
    )
    return compiled


def validate(action: str, direction: Direction, payload: Any) -> None:
    """Raise SchemaViolation with the OCPP-J error code for the first problem found."""
    try:
        _compiled(action, direction)(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        code = _RULE_CODES.get(exc.rule or "", ErrorCode.FORMAT_VIOLATION)
        path = (exc.name or "data").removeprefix("data").lstrip(".") or "(payload)"
        raise SchemaViolation(code, f"{action}{direction}: {exc.message}", path) from None


def precompile(names: frozenset[str] | None = None) -> None:
    """Compile validators at start-up so the first station does not pay for it."""
    for action in names or actions():
        _compiled(action, "Request")
        _compiled(action, "Response")
