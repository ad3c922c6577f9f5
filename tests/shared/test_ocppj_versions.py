"""shared.ocppj across OCPP 1.6, 2.0.1 and 2.1: each version's error code words, and 2.1's
CALLRESULTERROR (5) and SEND (6), which 1.6 and 2.0.1 refuse as unknown message types."""

from __future__ import annotations

import typing

import orjson
import pytest

from shared import names, ocppj
from shared.ocppj import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    ErrorCode,
    FrameError,
    Send,
    code_word,
    error_frame,
    parse,
    result_error_frame,
    send_frame,
)
from tests.shared.test_error_codes import OCPP2_CODES, OCPP16_CODES

VERSIONS = [names.OCPP16, names.OCPP201, names.OCPP21]


def frame_error(text: str | bytes, version: str) -> FrameError:
    with pytest.raises(FrameError) as info:
        parse(text, version)
    return info.value


# --- CALLERROR built for each version ---------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_every_callerror_built_for_a_version_carries_only_its_codes(version: str) -> None:
    words = set()
    for code in ErrorCode:
        frame = orjson.loads(error_frame("e1", code, "why", version=version))
        words.add(frame[2])
        assert frame == [4, "e1", code_word(code, version), "why", {}]

    assert words <= (OCPP16_CODES if version == names.OCPP16 else OCPP2_CODES)


def test_16_callerror_for_a_schema_failure_spells_the_16_words() -> None:
    missing = orjson.loads(
        error_frame("b1", ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, version=names.OCPP16)
    )
    extra = orjson.loads(error_frame("b2", ErrorCode.FORMAT_VIOLATION, version=names.OCPP16))

    assert missing[2] == "OccurenceConstraintViolation"
    assert extra[2] == "FormationViolation"


# --- framing errors under 1.6 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message_id", "code"),
    [
        ("not json", "-1", ErrorCode.RPC_FRAMEWORK_ERROR),
        ("[]", "-1", ErrorCode.RPC_FRAMEWORK_ERROR),
        ('[2, 17, "Heartbeat", {}]', "-1", ErrorCode.RPC_FRAMEWORK_ERROR),
        ('[2, "m1", "Heartbeat"]', "m1", ErrorCode.RPC_FRAMEWORK_ERROR),
        ('[2, "m1", "Heartbeat", []]', "m1", ErrorCode.FORMAT_VIOLATION),
        ('[9, "m9"]', "m9", ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED),
    ],
    ids=["json", "empty", "id", "arity", "payload", "type"],
)
def test_16_frame_errors_answer_formation_violation(
    text: str, message_id: str, code: ErrorCode
) -> None:
    exc = frame_error(text, names.OCPP16)

    assert exc.code is code
    assert exc.word == "FormationViolation"
    assert exc.answerable is True
    answer = parse(exc.to_frame(), names.OCPP16)
    assert answer == CallError(message_id, "FormationViolation", exc.description, {})


@pytest.mark.parametrize("version", VERSIONS)
def test_every_answerable_frame_error_answers_in_the_versions_words(version: str) -> None:
    allowed = OCPP16_CODES if version == names.OCPP16 else OCPP2_CODES
    for text in ("x", "[]", '[2, 1, "A", {}]', '[9, "m1"]', '[2, "m1", "A"]', '[2, "m", "A", 1]'):
        exc = frame_error(text, version)

        answer = parse(exc.to_frame(), version)

        assert isinstance(answer, CallError)
        assert answer.code in allowed, (version, text)


# --- message types 5 and 6 --------------------------------------------------------------


@pytest.mark.parametrize("version", [names.OCPP16, names.OCPP201])
@pytest.mark.parametrize(
    "text",
    ['[5, "m5", "GenericError", "no", {}]', '[6, "m6", "NotifyPeriodicEventStream", {}]'],
    ids=["callresulterror", "send"],
)
def test_16_and_201_refuse_5_and_6_as_unknown_message_types(version: str, text: str) -> None:
    exc = frame_error(text, version)

    assert exc.code is ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED
    assert exc.message_id == orjson.loads(text)[1]
    assert exc.answerable is True
    assert exc.word == (
        "FormationViolation" if version == names.OCPP16 else "MessageTypeNotSupported"
    )


def test_21_parses_send() -> None:
    text = '[6, "s1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0}]'

    assert parse(text, names.OCPP21) == Send(
        "s1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0}
    )


def test_21_parses_callresulterror() -> None:
    text = '[5, "r7", "FormatViolation", "could not read your answer", {"path": "status"}]'

    assert parse(text, names.OCPP21) == CallResultError(
        "r7", "FormatViolation", "could not read your answer", {"path": "status"}
    )


def test_21_still_parses_call_result_and_error() -> None:
    assert parse('[2, "c", "Heartbeat", {}]', names.OCPP21) == Call("c", "Heartbeat", {})
    assert parse('[3, "c", {}]', names.OCPP21) == CallResult("c", {})
    assert parse('[4, "c", "GenericError", "", {}]', names.OCPP21) == CallError(
        "c", "GenericError", "", {}
    )


@pytest.mark.parametrize(
    "text",
    [
        '[6, "s1", "NotifyPeriodicEventStream"]',
        '[6, "s1", 7, {}]',
        '[6, "s1", "NotifyPeriodicEventStream", []]',
        '[6, "s1", "NotifyPeriodicEventStream", {}, {}]',
        '[5, "s1", "GenericError", ""]',
        '[5, "s1", 3, "", {}]',
        '[5, "s1", "GenericError", "", null]',
    ],
    ids=[
        "send-no-payload",
        "send-int-action",
        "send-list-payload",
        "send-extra",
        "cre-no-details",
        "cre-int-code",
        "cre-null-details",
    ],
)
def test_21_malformed_send_or_callresulterror_is_never_answered(text: str) -> None:
    exc = frame_error(text, names.OCPP21)

    assert exc.answerable is False
    assert exc.message_id == "s1"


@pytest.mark.parametrize("message_type", [5, 6])
def test_21_send_or_callresulterror_with_a_long_id_is_never_answered(message_type: int) -> None:
    exc = frame_error(f'[{message_type}, "{"z" * 37}", "A", {{}}]', names.OCPP21)

    assert exc.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert exc.answerable is False


@pytest.mark.parametrize("message_type", [1, 7])
def test_21_other_message_types_stay_unknown(message_type: int) -> None:
    exc = frame_error(f'[{message_type}, "u1", "A", {{}}]', names.OCPP21)

    assert exc.code is ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED
    assert exc.word == "MessageTypeNotSupported"
    assert exc.answerable is True


def test_send_frame_round_trips_through_21_parse_only() -> None:
    text = send_frame("s2", "NotifyPeriodicEventStream", {"id": 3})

    assert orjson.loads(text) == [6, "s2", "NotifyPeriodicEventStream", {"id": 3}]
    assert parse(text, names.OCPP21) == Send("s2", "NotifyPeriodicEventStream", {"id": 3})
    assert frame_error(text, names.OCPP201).code is ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED


def test_result_error_frame_round_trips_through_21_parse() -> None:
    text = result_error_frame("r2", ErrorCode.TYPE_CONSTRAINT_VIOLATION, "bad", {"a": 1})

    assert orjson.loads(text) == [5, "r2", "TypeConstraintViolation", "bad", {"a": 1}]
    assert parse(text, names.OCPP21) == CallResultError(
        "r2", "TypeConstraintViolation", "bad", {"a": 1}
    )
    with pytest.raises(ValueError):
        result_error_frame("r3", "FormationViolation")


# --- the same CALL in every version; the version argument itself ---------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_call_parses_the_same_in_every_version(version: str) -> None:
    text = '[2, "c1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]'

    assert parse(text, version) == Call(
        "c1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}
    )


def test_unknown_version_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown OCPP version"):
        parse('[2, "c1", "Heartbeat", {}]', "ocpp1.5")


def test_message_types_per_version() -> None:
    assert ocppj.MESSAGE_TYPES == {
        names.OCPP16: {2, 3, 4},
        names.OCPP201: {2, 3, 4},
        names.OCPP21: {2, 3, 4, 5, 6},
    }


def test_parse_overload_literals_are_the_subprotocol_names() -> None:
    narrow = typing.get_overloads(parse)[0]
    literal = typing.get_type_hints(narrow)["version"]

    assert set(typing.get_args(literal)) == {names.OCPP16, names.OCPP201}
