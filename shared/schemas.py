"""The official OCPP 1.6, 2.0.1 and 2.1 JSON schemas (shipped in the ``ocpp`` package, one
folder per version: ``names.SCHEMA_PACKAGES``), compiled once. Every function takes the
version (``names.OCPP16``, ``OCPP201``, ``OCPP21``) and defaults to 2.0.1.

The folders name their files differently: 1.6 has ``BootNotification.json`` (the request)
and ``BootNotificationResponse.json``; 2.0.1 and 2.1 have ``BootNotificationRequest.json``
and ``BootNotificationResponse.json``, and 2.1's one unconfirmed (SEND) message has a single
file without suffix, ``NotifyPeriodicEventStream.json``. The 1.6 schemas are draft-04, the
2.x ones draft-06 with ``$id`` and ``definitions``; fastjsonschema compiles them all.

Validation is the hot path's largest cost; ``fastjsonschema`` compiles each schema to Python
code and is about twenty times faster than the ``jsonschema`` validator that ``ocpp`` uses
(see ENVIRONMENT.md). The mapping from a failed JSON-schema keyword to an OCPP-J error code
is ours (Part 4, table 8):

* a required field missing, or too few / too many list items -> OccurrenceConstraintViolation
* a value of the wrong JSON type                            -> TypeConstraintViolation
* a value of the right type outside enum, length, range, pattern or format
                                                            -> PropertyConstraintViolation
* a field the schema does not define, or anything else      -> FormatViolation

``SchemaViolation.code`` names the problem; ``SchemaViolation.word`` is how the version's
CALLERROR writes it (1.6: FormationViolation, OccurenceConstraintViolation; see
``shared.ocppj.code_word``).

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

from shared import names, timestamps
from shared.ocppj import ErrorCode, code_word

Direction = Literal["Request", "Response"]
DIRECTIONS: tuple[Direction, ...] = ("Request", "Response")

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

    def __init__(
        self, code: ErrorCode, description: str, path: str, version: str = names.OCPP201
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.path = path
        self.version = version
        self.word = code_word(code, version)
        """The error code as ``version``'s CALLERROR writes it."""


def _schema_dir(version: str) -> Any:
    return importlib.resources.files("ocpp") / names.SCHEMA_PACKAGES[version] / "schemas"


@functools.cache
def _files(version: str) -> dict[tuple[str, Direction], str]:
    """(action, direction) -> file name, from the version's folder."""
    if version not in names.SCHEMA_PACKAGES:
        raise KeyError(f"unknown OCPP version {version!r}")
    files: dict[tuple[str, Direction], str] = {}
    for entry in _schema_dir(version).iterdir():
        stem = entry.name.removesuffix(".json")
        if stem == entry.name:
            continue
        if stem.endswith("Response"):
            files[(stem.removesuffix("Response"), "Response")] = entry.name
        elif version != names.OCPP16 and stem.endswith("Request"):
            files[(stem.removesuffix("Request"), "Request")] = entry.name
        else:  # 1.6's requests; 2.1's SEND-only NotifyPeriodicEventStream
            files[(stem, "Request")] = entry.name
    return files


@functools.cache
def actions(version: str = names.OCPP201) -> frozenset[str]:
    """Every CALL action of ``version``, both directions: those with a request and a response
    schema (1.6: 39, 2.0.1: 64, 2.1: 90)."""
    files = _files(version)
    return frozenset(a for a, d in files if d == "Request" and (a, "Response") in files)


@functools.cache
def unconfirmed(version: str = names.OCPP201) -> frozenset[str]:
    """Actions with a request schema and no response: sent as a SEND, never answered (2.1:
    NotifyPeriodicEventStream; none in 1.6 or 2.0.1)."""
    files = _files(version)
    return frozenset(a for a, d in files if d == "Request" and (a, "Response") not in files)


@functools.cache
def load(action: str, direction: Direction, version: str = names.OCPP201) -> dict[str, Any]:
    name = _files(version).get((action, direction))
    if name is None:
        raise KeyError(f"no OCPP {version.removeprefix('ocpp')} action {action!r} ({direction})")
    schema: dict[str, Any] = orjson.loads((_schema_dir(version) / name).read_bytes())
    return schema


@functools.cache
def _compiled(action: str, direction: Direction, version: str) -> Callable[[Any], Any]:
    compiled: Callable[[Any], Any] = fastjsonschema.compile(
        load(action, direction, version), formats=FORMATS
    )
    return compiled


def validate(action: str, direction: Direction, payload: Any, version: str = names.OCPP201) -> None:
    """Raise SchemaViolation with the OCPP-J error code for the first problem found.

    Raises:
        SchemaViolation: ``payload`` breaks the schema; ``exc.word`` is the code to answer.
        KeyError: ``version`` has no such schema.
    """
    try:
        _compiled(action, direction, version)(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        code = _RULE_CODES.get(exc.rule or "", ErrorCode.FORMAT_VIOLATION)
        path = (exc.name or "data").removeprefix("data").lstrip(".") or "(payload)"
        description = f"{action}{direction}: {exc.message}"
        raise SchemaViolation(code, description, path, version) from None


def precompile(names: frozenset[str] | None = None, version: str = names.OCPP201) -> None:
    """Compile validators at start-up so the first station does not pay for it: ``names``,
    or every action of ``version`` (both directions where there are two)."""
    for action in names or actions(version) | unconfirmed(version):
        for direction in DIRECTIONS:
            if (action, direction) in _files(version):
                _compiled(action, direction, version)
