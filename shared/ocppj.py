"""OCPP-J 2.0.1 framing without I/O: text in, typed messages or a ready CALLERROR out.

The gateway, the workers, the station simulator and the tests all frame through here, so
the spec's error mapping (Part 4, section 4.3) lives in exactly one place. We do not use
``ocpp.messages.unpack``: its mapping differs from OCPP-J 2.0.1 (see STYLE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import orjson

# Station identity (part 4, 3.1.1): identifierString (part 2, 2.1.4) without ':', which
# separates user and password in Basic auth; at most 48 characters.
STATION_ID_PATTERN = re.compile(r"^[A-Za-z0-9*\-_=+|@.]{1,48}\Z")

MAX_MESSAGE_ID_LENGTH = 36
UNREADABLE_ID = "-1"
MAX_DESCRIPTION_LENGTH = 255


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


class ErrorCode(StrEnum):
    """Part 4, table 8: the only codes a CALLERROR may carry."""

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


@dataclass(frozen=True, slots=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    message_id: str
    code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)


Message = Call | CallResult | CallError


class FrameError(Exception):
    """A frame that is not valid OCPP-J.

    ``answerable`` is False when the broken frame was itself a CALLRESULT or CALLERROR:
    OCPP-J never answers an answer, so the caller logs and drops it.
    """

    def __init__(
        self, message_id: str, code: ErrorCode, description: str, *, answerable: bool = True
    ) -> None:
        super().__init__(f"{code}: {description}")
        self.message_id = message_id
        self.code = code
        self.description = description
        self.answerable = answerable

    def to_frame(self) -> str:
        return error_frame(self.message_id, self.code, self.description)


def parse(text: str | bytes) -> Message:
    """Read one websocket frame.

    Raises:
        FrameError: with the CALLERROR the spec asks for; send ``exc.to_frame()`` back
            when ``exc.answerable``.
    """
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise FrameError(
            UNREADABLE_ID, ErrorCode.RPC_FRAMEWORK_ERROR, "frame is not valid JSON"
        ) from None
    if not isinstance(frame, list) or len(frame) < 2:
        raise FrameError(
            UNREADABLE_ID, ErrorCode.RPC_FRAMEWORK_ERROR, "frame is not a JSON array of an RPC"
        )
    message_type, message_id = frame[0], frame[1]
    if not isinstance(message_id, str):
        raise FrameError(UNREADABLE_ID, ErrorCode.RPC_FRAMEWORK_ERROR, "message id is not a string")
    if type(message_type) is not int or message_type not in (2, 3, 4):
        raise FrameError(
            message_id,
            ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED,
            f"message type {message_type!r} is not supported by OCPP 2.0.1",
        )
    answerable = message_type == MessageType.CALL
    if not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        raise FrameError(
            message_id[:MAX_MESSAGE_ID_LENGTH] or UNREADABLE_ID,
            ErrorCode.RPC_FRAMEWORK_ERROR,
            f"message id must be 1 to {MAX_MESSAGE_ID_LENGTH} characters",
            answerable=answerable,
        )
    if message_type == MessageType.CALL:
        if len(frame) != 4 or not isinstance(frame[2], str):
            raise FrameError(
                message_id, ErrorCode.RPC_FRAMEWORK_ERROR, "a CALL is [2, id, action, payload]"
            )
        if not isinstance(frame[3], dict):
            raise FrameError(
                message_id, ErrorCode.FORMAT_VIOLATION, "the payload of a CALL must be an object"
            )
        return Call(message_id, frame[2], frame[3])
    if message_type == MessageType.CALLRESULT:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise FrameError(
                message_id,
                ErrorCode.RPC_FRAMEWORK_ERROR,
                "a CALLRESULT is [3, id, payload]",
                answerable=False,
            )
        return CallResult(message_id, frame[2])
    if (
        len(frame) != 5
        or not isinstance(frame[2], str)
        or not isinstance(frame[3], str)
        or not isinstance(frame[4], dict)
    ):
        raise FrameError(
            message_id,
            ErrorCode.RPC_FRAMEWORK_ERROR,
            "a CALLERROR is [4, id, code, description, details]",
            answerable=False,
        )
    return CallError(message_id, frame[2], frame[3], frame[4])


def call_frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL, message_id, action, payload]).decode()


def result_frame(message_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALLRESULT, message_id, payload]).decode()


def error_frame(
    message_id: str, code: str, description: str = "", details: dict[str, Any] | None = None
) -> str:
    return orjson.dumps(
        [
            MessageType.CALLERROR,
            message_id,
            str(code),
            description[:MAX_DESCRIPTION_LENGTH],
            details or {},
        ]
    ).decode()
