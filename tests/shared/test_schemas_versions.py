"""shared.schemas across OCPP 1.6, 2.0.1 and 2.1: every official schema compiles and accepts a
minimal payload, and each version's violations carry that version's error code word."""

from __future__ import annotations

import importlib.resources
from typing import Any

import pytest

from shared import names, schemas
from shared.ocppj import ErrorCode
from shared.schemas import SchemaViolation, validate

VERSIONS = [names.OCPP16, names.OCPP201, names.OCPP21]
FILE_COUNTS = {names.OCPP16: 78, names.OCPP201: 128, names.OCPP21: 181}

BOOT_16: dict[str, Any] = {"chargePointVendor": "VendorX", "chargePointModel": "Model1"}
BOOT_2X: dict[str, Any] = {
    "reason": "PowerUp",
    "chargingStation": {"model": "SingleSocketCharger", "vendorName": "VendorX"},
}
BOOT = {names.OCPP16: BOOT_16, names.OCPP201: BOOT_2X, names.OCPP21: BOOT_2X}


def violation(
    action: str, direction: schemas.Direction, payload: Any, version: str
) -> SchemaViolation:
    with pytest.raises(SchemaViolation) as info:
        validate(action, direction, payload, version)
    return info.value


def schema_files(version: str) -> list[str]:
    folder = importlib.resources.files("ocpp") / names.SCHEMA_PACKAGES[version] / "schemas"
    return [entry.name for entry in folder.iterdir() if entry.name.endswith(".json")]


# --- a minimal valid payload, built from the schema itself ------------------------------


def minimal(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """The smallest value the schema accepts: required properties only, first enum value."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/definitions/")
        return minimal(root["definitions"][name], root)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: minimal(properties[key], root) for key in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema["items"], root) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "string":
        return {"date-time": "2024-05-01T10:00:00Z", "uri": "https://example.com/x"}.get(
            schema.get("format", ""), "x"
        )
    raise AssertionError(f"no minimal value for {schema}")


def every_schema(version: str) -> list[tuple[str, schemas.Direction]]:
    pairs = [(a, d) for a in schemas.actions(version) for d in schemas.DIRECTIONS]
    return pairs + [(a, "Request") for a in schemas.unconfirmed(version)]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_schema_file_of_the_version_is_loaded(version: str) -> None:
    files = schema_files(version)

    assert len(files) == FILE_COUNTS[version]
    assert len(every_schema(version)) == len(files)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_schema_compiles_and_accepts_a_minimal_payload_and_refuses_an_extra_field(
    version: str,
) -> None:
    for action, direction in every_schema(version):
        schema = schemas.load(action, direction, version)
        payload = minimal(schema, schema)

        assert validate(action, direction, payload, version) is None, (action, direction)
        exc = violation(action, direction, {**payload, "notInTheSpec": 1}, version)
        assert exc.code is ErrorCode.FORMAT_VIOLATION, (action, direction)


def test_schema_drafts_are_those_of_the_version() -> None:
    assert schemas.load("BootNotification", "Request", names.OCPP16)["$schema"] == (
        "http://json-schema.org/draft-04/schema#"
    )
    schema_21 = schemas.load("BootNotification", "Request", names.OCPP21)
    assert schema_21["$schema"] == "http://json-schema.org/draft-06/schema#"
    assert schema_21["$id"] == "urn:OCPP:Cp:2:2025:1:BootNotificationRequest"


# --- the actions of each version ---------------------------------------------------------


def test_actions_per_version() -> None:
    assert len(schemas.actions(names.OCPP16)) == 39
    assert len(schemas.actions(names.OCPP201)) == 64
    assert len(schemas.actions(names.OCPP21)) == 90
    assert schemas.actions() == schemas.actions(names.OCPP201)
    assert {"StartTransaction", "StopTransaction", "BootNotification"} <= schemas.actions(
        names.OCPP16
    )
    assert "StartTransaction" not in schemas.actions(names.OCPP201)
    assert "OpenPeriodicEventStream" in schemas.actions(names.OCPP21)
    assert "OpenPeriodicEventStream" not in schemas.actions(names.OCPP201)
    for version in VERSIONS:
        assert not any(
            a.endswith(("Request", "Response", ".json")) for a in schemas.actions(version)
        )


def test_only_21_has_an_unconfirmed_send_message() -> None:
    assert schemas.unconfirmed(names.OCPP21) == {"NotifyPeriodicEventStream"}
    assert schemas.unconfirmed(names.OCPP201) == frozenset()
    assert schemas.unconfirmed(names.OCPP16) == frozenset()


def test_load_reads_the_16_request_file_without_suffix_and_the_response_with_it() -> None:
    request = schemas.load("BootNotification", "Request", names.OCPP16)
    response = schemas.load("BootNotification", "Response", names.OCPP16)

    assert request["title"] == "BootNotificationRequest"
    assert request["required"] == ["chargePointVendor", "chargePointModel"]
    assert response["title"] == "BootNotificationResponse"
    assert response["required"] == ["status", "currentTime", "interval"]


def test_send_message_has_a_request_schema_and_no_response() -> None:
    schema = schemas.load("NotifyPeriodicEventStream", "Request", names.OCPP21)

    assert schema["$id"] == "urn:OCPP:Cp:2:2025:1:NotifyPeriodicEventStream"
    with pytest.raises(KeyError, match=r"no OCPP 2\.1 action"):
        schemas.load("NotifyPeriodicEventStream", "Response", names.OCPP21)


@pytest.mark.parametrize(
    ("action", "version"),
    [
        ("StartTransaction", names.OCPP201),
        ("TransactionEvent", names.OCPP16),
        ("BootNotificationRequest", names.OCPP21),
        ("BootNotificationResponse", names.OCPP16),
    ],
)
def test_action_of_another_version_raises_key_error(action: str, version: str) -> None:
    with pytest.raises(KeyError):
        schemas.load(action, "Request", version)
    with pytest.raises(KeyError):
        validate(action, "Request", {}, version)


def test_unknown_version_raises_key_error() -> None:
    with pytest.raises(KeyError, match="unknown OCPP version"):
        schemas.actions("ocpp1.5")


# --- BootNotification per version: valid, invalid, and the version's code word -----------


@pytest.mark.parametrize("version", VERSIONS)
def test_valid_boot_notification_of_the_version_passes(version: str) -> None:
    assert validate("BootNotification", "Request", BOOT[version], version) is None


@pytest.mark.parametrize(
    ("version", "other"),
    [(names.OCPP16, names.OCPP201), (names.OCPP201, names.OCPP16), (names.OCPP21, names.OCPP16)],
)
def test_boot_notification_of_another_version_is_refused(version: str, other: str) -> None:
    exc = violation("BootNotification", "Request", BOOT[other], version)

    assert exc.code in (ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, ErrorCode.FORMAT_VIOLATION)


@pytest.mark.parametrize(
    ("version", "missing", "word"),
    [
        (names.OCPP16, "chargePointModel", "OccurenceConstraintViolation"),
        (names.OCPP201, "reason", "OccurrenceConstraintViolation"),
        (names.OCPP21, "chargingStation", "OccurrenceConstraintViolation"),
    ],
)
def test_missing_required_field_is_the_versions_occurrence_word(
    version: str, missing: str, word: str
) -> None:
    payload = {k: v for k, v in BOOT[version].items() if k != missing}

    exc = violation("BootNotification", "Request", payload, version)

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert exc.word == word
    assert exc.version == version


@pytest.mark.parametrize(
    ("version", "word"),
    [
        (names.OCPP16, "FormationViolation"),
        (names.OCPP201, "FormatViolation"),
        (names.OCPP21, "FormatViolation"),
    ],
)
def test_undefined_field_is_the_versions_format_word(version: str, word: str) -> None:
    exc = violation("BootNotification", "Request", {**BOOT[version], "colour": "red"}, version)

    assert exc.code is ErrorCode.FORMAT_VIOLATION
    assert exc.word == word


def test_16_boot_notification_type_and_length_violations() -> None:
    wrong_type = violation(
        "BootNotification", "Request", {**BOOT_16, "chargePointVendor": 7}, names.OCPP16
    )
    too_long = violation(
        "BootNotification", "Request", {**BOOT_16, "chargePointModel": "m" * 21}, names.OCPP16
    )

    assert (wrong_type.code, wrong_type.word, wrong_type.path) == (
        ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        "TypeConstraintViolation",
        "chargePointVendor",
    )
    assert (too_long.code, too_long.word) == (
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        "PropertyConstraintViolation",
    )
    assert (
        validate(
            "BootNotification", "Request", {**BOOT_16, "chargePointModel": "m" * 20}, names.OCPP16
        )
        is None
    )


def test_21_boot_notification_enum_violation() -> None:
    exc = violation("BootNotification", "Request", {**BOOT_2X, "reason": "Bored"}, names.OCPP21)

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == "reason"


@pytest.mark.parametrize("version", VERSIONS)
def test_date_time_is_checked_by_our_parser_in_every_version(version: str) -> None:
    exc = violation("Heartbeat", "Response", {"currentTime": "0000-01-01T00:00:00Z"}, version)

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert (
        validate("Heartbeat", "Response", {"currentTime": "2024-05-01T10:00:00Z"}, version) is None
    )


def test_16_uri_format_is_checked() -> None:
    payload = {"location": "not a uri", "retrieveDate": "2024-05-01T10:00:00Z"}

    exc = violation("UpdateFirmware", "Request", payload, names.OCPP16)

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == "location"


def test_21_send_message_validates() -> None:
    payload = {
        "id": 1,
        "pending": 0,
        "basetime": "2024-05-01T10:00:00Z",
        "data": [{"t": 0, "v": "1"}],
    }

    assert validate("NotifyPeriodicEventStream", "Request", payload, names.OCPP21) is None
    exc = violation("NotifyPeriodicEventStream", "Request", {**payload, "data": []}, names.OCPP21)
    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION


def test_precompile_a_16_subset() -> None:
    schemas.precompile(frozenset({"Heartbeat", "StartTransaction"}), names.OCPP16)

    assert validate("Heartbeat", "Request", {}, names.OCPP16) is None
    with pytest.raises(SchemaViolation):
        validate("StartTransaction", "Request", {}, names.OCPP16)
