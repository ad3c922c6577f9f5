"""shared.schemas: official OCPP 2.0.1 schemas and the OCPP-J error code of each violation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shared import schemas
from shared.ocppj import ErrorCode
from shared.schemas import SchemaViolation, validate

BOOT_REQUEST: dict[str, Any] = {
    "reason": "PowerUp",
    "chargingStation": {
        "model": "SingleSocketCharger",
        "vendorName": "VendorX",
        "serialNumber": "SN-0001",
        "firmwareVersion": "1.2.3",
        "modem": {"iccid": "8931440400000000001", "imsi": "204080000000001"},
    },
}

BOOT_RESPONSE: dict[str, Any] = {
    "currentTime": "2024-05-01T10:00:00.000Z",
    "interval": 300,
    "status": "Accepted",
}

TRANSACTION_EVENT: dict[str, Any] = {
    "eventType": "Started",
    "timestamp": "2024-05-01T10:00:00Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "f3b5a9e2-1c4d-4c8e-9b7a-0d2e6f1a3b4c"},
    "evse": {"id": 1, "connectorId": 1},
    "idToken": {"idToken": "04A2B3C4D5E6F7", "type": "ISO14443"},
    "meterValue": [
        {
            "timestamp": "2024-05-01T10:00:00Z",
            "sampledValue": [
                {"value": 1234.5, "measurand": "Energy.Active.Import.Register"},
            ],
        }
    ],
}


def violation(action: str, direction: schemas.Direction, payload: Any) -> SchemaViolation:
    with pytest.raises(SchemaViolation) as info:
        validate(action, direction, payload)
    return info.value


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of base with the dotted path set to value (or removed if value is ...)."""
    out = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return out


# --- valid payloads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "direction", "payload"),
    [
        ("BootNotification", "Request", BOOT_REQUEST),
        (
            "BootNotification",
            "Request",
            {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
        ),
        ("BootNotification", "Response", BOOT_RESPONSE),
        (
            "BootNotification",
            "Response",
            {**BOOT_RESPONSE, "currentTime": "2024-05-01T12:00:00+02:00"},
        ),
        ("Heartbeat", "Request", {}),
        ("Heartbeat", "Response", {"currentTime": "2024-05-01T10:00:00Z"}),
        ("TransactionEvent", "Request", TRANSACTION_EVENT),
        ("TransactionEvent", "Response", {}),
        ("Reset", "Request", {"type": "Immediate"}),
        ("Reset", "Response", {"status": "Accepted"}),
    ],
    ids=[
        "boot-request-full",
        "boot-request-minimal",
        "boot-response",
        "boot-response-offset-time",
        "heartbeat-request",
        "heartbeat-response",
        "transaction-event-request",
        "transaction-event-response",
        "reset-request",
        "reset-response",
    ],
)
def test_valid_official_payload_passes(action: str, direction: str, payload: Any) -> None:
    assert validate(action, direction, payload) is None  # type: ignore[arg-type]


def test_custom_data_accepts_vendor_properties_the_schema_does_not_define() -> None:
    payload = {**BOOT_REQUEST, "customData": {"vendorId": "com.acme", "colour": "red"}}

    assert validate("BootNotification", "Request", payload) is None


# --- OccurrenceConstraintViolation ------------------------------------------------------


def test_missing_top_level_required_field_is_occurrence_constraint_violation() -> None:
    exc = violation("BootNotification", "Request", {"reason": "PowerUp"})

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert exc.path == "(payload)"
    assert "chargingStation" in exc.description
    assert exc.description.startswith("BootNotificationRequest: ")


def test_missing_nested_required_field_names_the_object_that_lacks_it() -> None:
    exc = violation(
        "BootNotification", "Request", changed(BOOT_REQUEST, "chargingStation.model", ...)
    )

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert exc.path == "chargingStation"
    assert "model" in exc.description


def test_heartbeat_response_without_current_time_is_occurrence_constraint_violation() -> None:
    exc = violation("Heartbeat", "Response", {})

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert "currentTime" in exc.description
    assert exc.description.startswith("HeartbeatResponse: ")


def test_transaction_event_without_transaction_id_is_occurrence_constraint_violation() -> None:
    payload = changed(TRANSACTION_EVENT, "transactionInfo.transactionId", ...)

    exc = violation("TransactionEvent", "Request", payload)

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert exc.path == "transactionInfo"
    assert "transactionId" in exc.description


def test_empty_list_below_min_items_is_occurrence_constraint_violation() -> None:
    exc = violation("TransactionEvent", "Request", changed(TRANSACTION_EVENT, "meterValue", []))

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert exc.path == "meterValue"


def test_empty_nested_list_below_min_items_names_its_index_path() -> None:
    payload = changed(TRANSACTION_EVENT, "meterValue.0.sampledValue", [])

    exc = violation("TransactionEvent", "Request", payload)

    assert exc.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert exc.path == "meterValue[0].sampledValue"


# --- TypeConstraintViolation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "direction", "payload", "path"),
    [
        (
            "BootNotification",
            "Request",
            changed(BOOT_REQUEST, "chargingStation.model", 5),
            "chargingStation.model",
        ),
        (
            "BootNotification",
            "Request",
            changed(BOOT_REQUEST, "chargingStation", "M/V"),
            "chargingStation",
        ),
        ("BootNotification", "Response", changed(BOOT_RESPONSE, "interval", "300"), "interval"),
        ("BootNotification", "Response", changed(BOOT_RESPONSE, "interval", 300.5), "interval"),
        ("BootNotification", "Response", changed(BOOT_RESPONSE, "interval", True), "interval"),
        ("TransactionEvent", "Request", changed(TRANSACTION_EVENT, "seqNo", "0"), "seqNo"),
        ("TransactionEvent", "Request", changed(TRANSACTION_EVENT, "offline", "no"), "offline"),
        (
            "TransactionEvent",
            "Request",
            changed(TRANSACTION_EVENT, "meterValue.0.sampledValue.0.value", "1234.5"),
            "meterValue[0].sampledValue[0].value",
        ),
    ],
    ids=[
        "int-for-string",
        "string-for-object",
        "string-for-integer",
        "float-for-integer",
        "bool-for-integer",
        "string-seqno",
        "string-for-boolean",
        "string-for-number-deep",
    ],
)
def test_value_of_wrong_json_type_is_type_constraint_violation(
    action: str, direction: str, payload: Any, path: str
) -> None:
    exc = violation(action, direction, payload)  # type: ignore[arg-type]

    assert exc.code is ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert exc.path == path


@pytest.mark.parametrize("payload", [None, [], "Heartbeat", 0], ids=["null", "list", "str", "int"])
def test_payload_that_is_not_an_object_is_type_constraint_violation_on_the_payload(
    payload: Any,
) -> None:
    exc = violation("Heartbeat", "Request", payload)

    assert exc.code is ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert exc.path == "(payload)"


# --- PropertyConstraintViolation --------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "direction", "payload", "path"),
    [
        ("BootNotification", "Request", changed(BOOT_REQUEST, "reason", "Sunrise"), "reason"),
        ("BootNotification", "Request", changed(BOOT_REQUEST, "reason", "powerup"), "reason"),
        ("BootNotification", "Response", changed(BOOT_RESPONSE, "status", "OK"), "status"),
        ("Reset", "Request", {"type": "Later"}, "type"),
        (
            "TransactionEvent",
            "Request",
            changed(TRANSACTION_EVENT, "idToken.type", "RFID"),
            "idToken.type",
        ),
        (
            "TransactionEvent",
            "Request",
            changed(TRANSACTION_EVENT, "eventType", "Paused"),
            "eventType",
        ),
    ],
    ids=[
        "boot-reason",
        "boot-reason-wrong-case",
        "boot-status",
        "reset-type",
        "id-token-type",
        "event-type",
    ],
)
def test_value_outside_enum_is_property_constraint_violation(
    action: str, direction: str, payload: Any, path: str
) -> None:
    exc = violation(action, direction, payload)  # type: ignore[arg-type]

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == path


@pytest.mark.parametrize(
    ("action", "payload", "path"),
    [
        (
            "BootNotification",
            changed(BOOT_REQUEST, "chargingStation.model", "M" * 21),
            "chargingStation.model",
        ),
        (
            "BootNotification",
            changed(BOOT_REQUEST, "chargingStation.vendorName", "V" * 51),
            "chargingStation.vendorName",
        ),
        (
            "BootNotification",
            changed(BOOT_REQUEST, "chargingStation.modem.iccid", "9" * 21),
            "chargingStation.modem.iccid",
        ),
        (
            "TransactionEvent",
            changed(TRANSACTION_EVENT, "transactionInfo.transactionId", "t" * 37),
            "transactionInfo.transactionId",
        ),
        (
            "TransactionEvent",
            changed(TRANSACTION_EVENT, "idToken.idToken", "k" * 37),
            "idToken.idToken",
        ),
    ],
    ids=["model-21", "vendor-51", "iccid-21", "transaction-id-37", "id-token-37"],
)
def test_string_longer_than_max_length_is_property_constraint_violation(
    action: str, payload: Any, path: str
) -> None:
    exc = violation(action, "Request", payload)

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == path


def test_string_of_exactly_max_length_passes() -> None:
    payload = changed(BOOT_REQUEST, "chargingStation.model", "M" * 20)

    assert validate("BootNotification", "Request", payload) is None


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2024-05-01", "2024-05-01T10:00:00", "2024-13-01T10:00:00Z", "1714557600"],
    ids=["word", "date-only", "no-offset", "month-13", "epoch"],
)
def test_bad_date_time_is_property_constraint_violation(value: str) -> None:
    exc = violation("Heartbeat", "Response", {"currentTime": value})

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == "currentTime"


@pytest.mark.parametrize(
    "value",
    [
        "\u0662\u0660\u0662\u0664-05-01T10:00:00Z",
        "0000-05-01T10:00:00Z",
        "9999-12-31T23:30:00-01:00",
    ],
    ids=["arabic-indic-digits", "year-0", "past-year-9999-in-utc"],
)
def test_date_time_the_library_pattern_passes_but_no_store_holds_is_refused(value: str) -> None:
    exc = violation("Heartbeat", "Response", {"currentTime": value})

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == "currentTime"


@pytest.mark.parametrize(
    "value",
    ["2024-05-01t10:00:00z", "2016-12-31T23:59:60Z", "2024-05-01T10:00:00.1234567+00:00"],
)
def test_every_rfc_3339_date_time_form_passes(value: str) -> None:
    assert validate("Heartbeat", "Response", {"currentTime": value}) is None


def test_bad_nested_date_time_names_its_index_path() -> None:
    payload = changed(TRANSACTION_EVENT, "meterValue.0.timestamp", "now")

    exc = violation("TransactionEvent", "Request", payload)

    assert exc.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert exc.path == "meterValue[0].timestamp"


# --- FormatViolation --------------------------------------------------------------------


def test_extra_top_level_property_is_format_violation() -> None:
    exc = violation("BootNotification", "Request", {**BOOT_REQUEST, "colour": "red"})

    assert exc.code is ErrorCode.FORMAT_VIOLATION
    assert exc.path == "(payload)"
    assert "colour" in exc.description


def test_extra_nested_property_is_format_violation_on_its_object() -> None:
    payload = changed(BOOT_REQUEST, "chargingStation.colour", "red")

    exc = violation("BootNotification", "Request", payload)

    assert exc.code is ErrorCode.FORMAT_VIOLATION
    assert exc.path == "chargingStation"
    assert "colour" in exc.description


def test_heartbeat_request_with_any_property_is_format_violation() -> None:
    exc = violation("Heartbeat", "Request", {"currentTime": "2024-05-01T10:00:00Z"})

    assert exc.code is ErrorCode.FORMAT_VIOLATION
    assert exc.description.startswith("HeartbeatRequest: ")


# --- schema catalogue -------------------------------------------------------------------


def test_actions_lists_all_64_ocpp_201_actions() -> None:
    names = schemas.actions()

    assert len(names) == 64
    assert {
        "BootNotification",
        "Reset",
        "Heartbeat",
        "TransactionEvent",
        "Get15118EVCertificate",
        "PublishFirmwareStatusNotification",
    } <= names
    assert not any(name.endswith(("Request", "Response", ".json")) for name in names)


def test_every_action_has_a_request_and_a_response_schema() -> None:
    for action in schemas.actions():
        for direction in ("Request", "Response"):
            schema = schemas.load(action, direction)  # type: ignore[arg-type]
            assert schema["type"] == "object", (action, direction)
            assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"


def test_load_returns_the_official_boot_notification_schema() -> None:
    schema = schemas.load("BootNotification", "Request")

    assert schema["required"] == ["reason", "chargingStation"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("action", ["Bootnotification", "StartTransaction", "", "../Reset"])
def test_unknown_action_raises_key_error(action: str) -> None:
    with pytest.raises(KeyError, match=r"no OCPP 2\.0\.1 action"):
        schemas.load(action, "Request")
    with pytest.raises(KeyError):
        validate(action, "Request", {})


def test_precompile_of_a_subset_makes_those_validators_ready() -> None:
    schemas.precompile(frozenset({"Heartbeat", "Reset"}))

    with pytest.raises(SchemaViolation):
        validate("Reset", "Response", {"status": "Maybe"})
    assert validate("Heartbeat", "Request", {}) is None
