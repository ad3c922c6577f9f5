"""shared.ocppj: OCPP-J 2.0.1 framing and its error mapping (part 4, section 4)."""

from __future__ import annotations

import orjson
import pytest

from shared.ocppj import (
    MAX_DESCRIPTION_LENGTH,
    MAX_MESSAGE_ID_LENGTH,
    STATION_ID_PATTERN,
    UNREADABLE_ID,
    Call,
    CallError,
    CallResult,
    ErrorCode,
    FrameError,
    call_frame,
    error_frame,
    parse,
    result_frame,
)


def frame_error(text: str | bytes) -> FrameError:
    with pytest.raises(FrameError) as info:
        parse(text)
    return info.value


# --- frames whose message id cannot be read: answered with id "-1" -------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nul",
        '[2, "m1", "Heartbeat", {}',
        '[2, "m1", "Heartbeat", {}] trailing',
        "[NaN]",
        b"\xff\xfe[",
    ],
    ids=["empty", "truncated-literal", "unclosed-array", "trailing-garbage", "nan", "not-utf8"],
)
def test_invalid_json_answers_rpc_framework_error_with_minus_one(text: str | bytes) -> None:
    exc = frame_error(text)

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.message_id == UNREADABLE_ID == "-1"
    assert exc.answerable is True


@pytest.mark.parametrize(
    "text",
    ["{}", '{"messageTypeId": 2}', '"Heartbeat"', "2", "null", "[]", "[2]"],
    ids=["empty-object", "object", "string", "number", "null", "empty-array", "one-element"],
)
def test_frame_that_is_not_an_array_of_two_or_more_answers_rpc_framework_error_with_minus_one(
    text: str,
) -> None:
    exc = frame_error(text)

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.message_id == "-1"
    assert exc.answerable is True


@pytest.mark.parametrize(
    "text",
    ['[2, 17, "Heartbeat", {}]', '[2, null, "Heartbeat", {}]', '[3, ["m1"], {}]', "[2, {}]"],
    ids=["int", "null", "list", "object"],
)
def test_unreadable_message_id_answers_rpc_framework_error_with_minus_one(text: str) -> None:
    exc = frame_error(text)

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.message_id == "-1"
    assert exc.answerable is True


def test_empty_message_id_answers_rpc_framework_error_with_minus_one() -> None:
    exc = frame_error('[2, "", "Heartbeat", {}]')

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.message_id == "-1"


# --- message type ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message_id"),
    [
        ('[5, "m5", "Heartbeat", {}]', "m5"),
        ('[6, "m6", {}]', "m6"),
        ('[1, "m1"]', "m1"),
        ('["2", "s2", "Heartbeat", {}]', "s2"),
        ('[2.0, "f2", "Heartbeat", {}]', "f2"),
        ('[true, "b2", "Heartbeat", {}]', "b2"),
        ('[null, "n2", "Heartbeat", {}]', "n2"),
    ],
    ids=["type-5", "type-6", "type-1", "string-2", "float-2", "bool", "null"],
)
def test_unknown_message_type_answers_message_type_not_supported_with_its_id(
    text: str, message_id: str
) -> None:
    exc = frame_error(text)

    assert exc.code is ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED
    assert exc.message_id == message_id
    assert exc.answerable is True


# --- message id length ---------------------------------------------------------------


def test_message_id_of_36_characters_is_accepted() -> None:
    message_id = "x" * MAX_MESSAGE_ID_LENGTH

    assert parse(call_frame(message_id, "Heartbeat", {})) == Call(message_id, "Heartbeat", {})


def test_call_with_message_id_longer_than_36_characters_answers_rpc_framework_error() -> None:
    message_id = "a" * 30 + "b" * 7

    exc = frame_error(call_frame(message_id, "Heartbeat", {}))

    assert MAX_MESSAGE_ID_LENGTH == 36
    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.answerable is True
    assert 1 <= len(exc.message_id) <= 36
    assert exc.message_id == message_id[:36]


@pytest.mark.parametrize(
    "template",
    ['[3, "{id}", {{}}]', '[4, "{id}", "GenericError", "", {{}}]'],
    ids=["callresult", "callerror"],
)
def test_answer_with_message_id_longer_than_36_characters_is_not_answerable(
    template: str,
) -> None:
    exc = frame_error(template.format(id="z" * 37))

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.answerable is False


# --- CALL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '[2, "m1"]',
        '[2, "m1", "Heartbeat"]',
        '[2, "m1", "Heartbeat", {}, {}]',
        '[2, "m1", 7, {}]',
        '[2, "m1", null, {}]',
    ],
    ids=["no-action", "no-payload", "extra-element", "int-action", "null-action"],
)
def test_call_with_wrong_arity_or_action_answers_rpc_framework_error_with_its_id(
    text: str,
) -> None:
    exc = frame_error(text)

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.message_id == "m1"
    assert exc.answerable is True


@pytest.mark.parametrize(
    "payload", ["null", "[]", '"text"', "42", "true"], ids=["null", "list", "str", "int", "bool"]
)
def test_call_payload_that_is_not_an_object_answers_format_violation(payload: str) -> None:
    exc = frame_error(f'[2, "m7", "BootNotification", {payload}]')

    assert exc.code is ErrorCode.FORMAT_VIOLATION
    assert exc.message_id == "m7"
    assert exc.answerable is True


def test_valid_call_parses_into_call() -> None:
    text = (
        '[2, "19223201", "BootNotification", '
        '{"reason": "PowerUp", "chargingStation": {"model": "SingleSocketCharger", '
        '"vendorName": "VendorX"}}]'
    )

    message = parse(text)

    assert message == Call(
        "19223201",
        "BootNotification",
        {
            "reason": "PowerUp",
            "chargingStation": {"model": "SingleSocketCharger", "vendorName": "VendorX"},
        },
    )


def test_frame_given_as_bytes_with_surrounding_whitespace_parses() -> None:
    assert parse(b'  [2, "m1", "Heartbeat", {}]\n') == Call("m1", "Heartbeat", {})


# --- CALLRESULT / CALLERROR ------------------------------------------------------------


def test_valid_callresult_parses_into_callresult() -> None:
    message = parse('[3, "19223201", {"currentTime": "2024-05-01T10:00:00Z"}]')

    assert message == CallResult("19223201", {"currentTime": "2024-05-01T10:00:00Z"})


def test_valid_callerror_parses_into_callerror() -> None:
    message = parse('[4, "162376037", "NotSupported", "SetDisplayMessage not supported", {"a": 1}]')

    assert message == CallError(
        "162376037", "NotSupported", "SetDisplayMessage not supported", {"a": 1}
    )


@pytest.mark.parametrize(
    "text",
    [
        '[3, "r1"]',
        '[3, "r1", null]',
        '[3, "r1", []]',
        '[3, "r1", {}, {}]',
        '[4, "r1", "GenericError", ""]',
        '[4, "r1", "GenericError", "", null]',
        '[4, "r1", 5, "", {}]',
        '[4, "r1", "GenericError", null, {}]',
        '[4, "r1", "GenericError", "", {}, {}]',
    ],
    ids=[
        "result-no-payload",
        "result-null-payload",
        "result-list-payload",
        "result-extra-element",
        "error-no-details",
        "error-null-details",
        "error-int-code",
        "error-null-description",
        "error-extra-element",
    ],
)
def test_malformed_callresult_or_callerror_is_not_answerable(text: str) -> None:
    exc = frame_error(text)

    assert exc.answerable is False
    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.message_id == "r1"


# --- building frames -------------------------------------------------------------------


def test_call_frame_round_trips_through_parse() -> None:
    payload = {"evse": {"id": 1, "connectorId": 2}, "note": "é ✓", "n": 1.5}

    text = call_frame("c-1", "StatusNotification", payload)

    assert orjson.loads(text) == [2, "c-1", "StatusNotification", payload]
    assert parse(text) == Call("c-1", "StatusNotification", payload)


def test_result_frame_round_trips_through_parse() -> None:
    payload = {"currentTime": "2024-05-01T10:00:00Z", "interval": 300, "status": "Accepted"}

    text = result_frame("r-9", payload)

    assert orjson.loads(text) == [3, "r-9", payload]
    assert parse(text) == CallResult("r-9", payload)


def test_error_frame_round_trips_through_parse() -> None:
    text = error_frame("e-1", ErrorCode.NOT_IMPLEMENTED, "no handler", {"action": "Foo"})

    assert orjson.loads(text) == [4, "e-1", "NotImplemented", "no handler", {"action": "Foo"}]
    assert parse(text) == CallError("e-1", "NotImplemented", "no handler", {"action": "Foo"})


@pytest.mark.parametrize("details", [None, {}], ids=["none", "empty"])
def test_error_frame_always_carries_a_details_object(details: dict[str, object] | None) -> None:
    frame = orjson.loads(error_frame("e-2", ErrorCode.GENERIC_ERROR, details=details))

    assert frame == [4, "e-2", "GenericError", "", {}]


def test_error_frame_truncates_description_to_255_characters() -> None:
    description = "a" * 250 + "b" * 10 + "c" * 100

    frame = orjson.loads(error_frame("e-3", ErrorCode.INTERNAL_ERROR, description))

    assert MAX_DESCRIPTION_LENGTH == 255
    assert len(frame[3]) == 255
    assert frame[3] == "a" * 250 + "b" * 5


def test_error_frame_keeps_a_description_of_exactly_255_characters() -> None:
    description = "d" * 255

    assert orjson.loads(error_frame("e-4", "GenericError", description))[3] == description


def test_frame_error_to_frame_is_the_callerror_the_spec_asks_for() -> None:
    exc = frame_error('[2, "m1", "Heartbeat", null]')

    assert orjson.loads(exc.to_frame()) == [4, "m1", "FormatViolation", exc.description, {}]
    assert exc.description


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '[2, 1, "A", {}]',
        '[9, "m1"]',
        '[2, "' + "q" * 40 + '", "A", {}]',
        '[2, "m1", "A"]',
        '[2, "m1", "A", []]',
    ],
    ids=["json", "short", "id", "type", "long-id", "arity", "payload"],
)
def test_every_answerable_frame_error_is_itself_a_valid_callerror(text: str) -> None:
    exc = frame_error(text)
    assert exc.answerable is True

    answer = parse(exc.to_frame())

    assert isinstance(answer, CallError)
    assert answer.message_id == exc.message_id
    assert answer.code == exc.code.value
    assert answer.code in {code.value for code in ErrorCode}


def test_error_codes_are_exactly_the_twelve_of_part_4_table_8() -> None:
    assert {code.value for code in ErrorCode} == {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    }


# --- station identity -----------------------------------------------------------------


@pytest.mark.parametrize(
    "station",
    ["CS1", "a", "CS-001_A=B+C|D@E.F*G", "x" * 48],
    ids=["plain", "one-char", "every-symbol", "48-chars"],
)
def test_station_id_pattern_accepts_identifier_strings(station: str) -> None:
    assert STATION_ID_PATTERN.match(station) is not None


@pytest.mark.parametrize(
    "station",
    ["", "x" * 49, "user:pass", "CS 1", "CS/1", "CS~1", "CSé", "CS%0A"],
    ids=["empty", "49-chars", "colon", "space", "slash", "tilde", "non-ascii", "percent"],
)
def test_station_id_pattern_rejects_other_strings(station: str) -> None:
    assert STATION_ID_PATTERN.match(station) is None


def test_station_id_pattern_rejects_trailing_newline() -> None:
    assert STATION_ID_PATTERN.match("CS1\n") is None
