"""OCPP-J error codes and the word each OCPP version writes for them, in one place.

``ErrorCode`` names what went wrong; ``code_word`` spells it for a connection's version in
the CALLERROR that ``shared.ocppj`` builds. Compared with 2.0.1 (part 4, table 8), OCPP-J
1.6 (section 4.2.3) writes ``FormationViolation`` and ``OccurenceConstraintViolation``
(sic) and lacks two codes; OCPP 2.1 (part 4) has the same twelve as 2.0.1.
"""

from __future__ import annotations

import functools
from enum import StrEnum

from shared import names


class ErrorCode(StrEnum):
    """What went wrong, named and spelled as OCPP 2.0.1 part 4, table 8 does (the only codes a
    2.0.1 CALLERROR may carry; OCPP 2.1 part 4 has the same twelve). Write a CALLERROR's code
    with ``code_word``, which spells it in the connection's version."""

    FORMAT_VIOLATION = "FormatViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


_OCPP16_WORDS: dict[ErrorCode, str] = {
    ErrorCode.FORMAT_VIOLATION: "FormationViolation",
    ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
    ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED: "FormationViolation",
    ErrorCode.RPC_FRAMEWORK_ERROR: "FormationViolation",
}


def code_word(code: ErrorCode | str, version: str = names.OCPP201) -> str:
    """The word a CALLERROR of ``version`` carries for ``code``.

    OCPP 2.0.1 and 2.1 write ``ErrorCode``'s own values. OCPP-J 1.6 (section 4.2.3) spells
    two differently, ``FormationViolation`` and ``OccurenceConstraintViolation`` (sic), and
    has neither ``MessageTypeNotSupported`` nor ``RpcFrameworkError``. Both become
    ``FormationViolation``, "Payload for Action is syntactically incorrect or not conform the
    PDU structure for Action": a frame that is not JSON, not an array, has no readable
    message id, an unknown message type number or the wrong number of elements does not
    conform to the structure of section 4.1 ("[<MessageTypeId>, "<UniqueId>", ...]", with
    MessageTypeId 2, 3 or 4). The other candidates fit worse: ``ProtocolError`` is "Payload
    for Action is incomplete", and ``NotImplemented`` / ``NotSupported`` speak of an Action
    the receiver does not know or support, not of a message type.

    A word of ``version`` given as a string (``"FormationViolation"`` for 1.6) is returned
    as it is.

    Raises:
        ValueError: ``code`` is no error code of ``version`` (``"FormationViolation"`` for
            2.0.1, say) or ``version`` is unknown.
    """
    words = error_codes(version)
    if code in words:
        return str(code)
    try:
        known = ErrorCode(code)
    except ValueError:
        raise ValueError(f"{code!r} is not an OCPP-J error code of {version}") from None
    return _OCPP16_WORDS.get(known, known.value) if version == names.OCPP16 else known.value


@functools.cache
def error_codes(version: str = names.OCPP201) -> frozenset[str]:
    """Every word a CALLERROR of ``version`` may carry (1.6: ten, 2.0.1 and 2.1: twelve)."""
    if version == names.OCPP16:
        return frozenset(_OCPP16_WORDS.get(code, code.value) for code in ErrorCode)
    if version in (names.OCPP201, names.OCPP21):
        return frozenset(code.value for code in ErrorCode)
    raise ValueError(f"unknown OCPP version {version!r}")
