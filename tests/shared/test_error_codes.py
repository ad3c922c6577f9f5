"""shared.error_codes: the word each OCPP version writes for an error code (OCPP-J 1.6
section 4.2.3; 2.0.1 and 2.1 part 4)."""

from __future__ import annotations

import pytest

from shared import names
from shared.error_codes import ErrorCode, code_word, error_codes
from shared.ocppj import error_frame

OCPP16_CODES = {
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
}
OCPP2_CODES = {code.value for code in ErrorCode}


# --- the words of each version --------------------------------------------------------


def test_16_error_codes_are_the_ten_of_ocpp_j_16_section_4_2_3() -> None:
    assert error_codes(names.OCPP16) == OCPP16_CODES


@pytest.mark.parametrize("version", [names.OCPP201, names.OCPP21])
def test_2x_error_codes_are_the_twelve_of_part_4(version: str) -> None:
    assert error_codes(version) == OCPP2_CODES
    assert len(OCPP2_CODES) == 12


@pytest.mark.parametrize(
    ("code", "word"),
    [
        (ErrorCode.FORMAT_VIOLATION, "FormationViolation"),
        (ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, "OccurenceConstraintViolation"),
        (ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "FormationViolation"),
        (ErrorCode.RPC_FRAMEWORK_ERROR, "FormationViolation"),
        (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "PropertyConstraintViolation"),
        (ErrorCode.TYPE_CONSTRAINT_VIOLATION, "TypeConstraintViolation"),
        (ErrorCode.PROTOCOL_ERROR, "ProtocolError"),
        (ErrorCode.SECURITY_ERROR, "SecurityError"),
        (ErrorCode.NOT_IMPLEMENTED, "NotImplemented"),
        (ErrorCode.NOT_SUPPORTED, "NotSupported"),
        (ErrorCode.INTERNAL_ERROR, "InternalError"),
        (ErrorCode.GENERIC_ERROR, "GenericError"),
    ],
)
def test_16_word_of_each_code(code: ErrorCode, word: str) -> None:
    assert code_word(code, names.OCPP16) == word
    assert code_word(code.value, names.OCPP16) == word


@pytest.mark.parametrize("version", [names.OCPP201, names.OCPP21])
def test_2x_word_of_each_code_is_its_own_value(version: str) -> None:
    for code in ErrorCode:
        assert code_word(code, version) == code.value


def test_code_word_defaults_to_201() -> None:
    assert code_word(ErrorCode.FORMAT_VIOLATION) == "FormatViolation"


def test_16_word_given_as_a_string_is_kept() -> None:
    assert code_word("FormationViolation", names.OCPP16) == "FormationViolation"
    assert code_word("OccurenceConstraintViolation", names.OCPP16) == (
        "OccurenceConstraintViolation"
    )


@pytest.mark.parametrize(
    ("code", "version"),
    [
        ("FormationViolation", names.OCPP201),
        ("OccurenceConstraintViolation", names.OCPP21),
        ("Oops", names.OCPP16),
        ("", names.OCPP201),
        ("GenericError", "ocpp1.5"),
    ],
)
def test_code_of_no_version_raises_value_error(code: str, version: str) -> None:
    with pytest.raises(ValueError):
        code_word(code, version)
    with pytest.raises(ValueError):
        error_frame("e1", code, version=version)


def test_ocppj_re_exports_the_same_error_codes() -> None:
    from shared import ocppj

    assert ocppj.ErrorCode is ErrorCode
    assert ocppj.code_word is code_word
    assert ocppj.error_codes is error_codes
