"""OCPP-J framing without I/O, for OCPP 1.6, 2.0.1 and 2.1: text in, typed messages or a
ready CALLERROR out.

The gateway, the workers, the station simulator and the tests all frame through here, so
the spec's error mapping (2.0.1 Part 4, section 4.3; OCPP-J 1.6, section 4.2.3) lives in
exactly one place. We do not use ``ocpp.messages.unpack``: its mapping differs from OCPP-J
2.0.1 (see STYLE.md).

Every function takes the connection's OCPP version (``shared.names.OCPP16``, ``OCPP201`` or
``OCPP21``, the WebSocket subprotocol) and defaults to 2.0.1. The versions differ in:

* message types: 1.6 and 2.0.1 know CALL (2), CALLRESULT (3) and CALLERROR (4); 2.1 adds
  CALLRESULTERROR (5, a station's error answer to a CALLRESULT it could not process) and
  SEND (6, an unconfirmed message). Neither is ever answered.
* error code words: ``ErrorCode`` names what went wrong; ``code_word`` gives the word the
  version writes in a CALLERROR (1.6 spells two of them differently and lacks two). Both
  live in ``shared.error_codes`` and are re-exported here, where callers always found them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal, overload

import orjson

from shared import names
from shared.error_codes import ErrorCode as ErrorCode
from shared.error_codes import code_word as code_word
from shared.error_codes import error_codes as error_codes

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
    CALLRESULTERROR = 5  # OCPP 2.1 only
    SEND = 6  # OCPP 2.1 only


MESSAGE_TYPES: dict[str, frozenset[int]] = {
    names.OCPP16: frozenset({2, 3, 4}),
    names.OCPP201: frozenset({2, 3, 4}),
    names.OCPP21: frozenset({2, 3, 4, 5, 6}),
}
"""The message type numbers each version knows (OCPP-J 1.6 4.1.3, 2.0.1 and 2.1 part 4 4.1.3)."""


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


@dataclass(frozen=True, slots=True)
class CallResultError:
    """OCPP 2.1: the station could not process our CALLRESULT ``message_id``. Never answered."""

    message_id: str
    code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Send:
    """OCPP 2.1: an unconfirmed message (``NotifyPeriodicEventStream``). Never answered."""

    message_id: str
    action: str
    payload: dict[str, Any]


Message = Call | CallResult | CallError
"""What a 1.6 or 2.0.1 frame parses into."""
AnyMessage = Message | CallResultError | Send
"""What a frame of any version parses into (the last two only for 2.1)."""


class FrameError(Exception):
    """A frame that is not valid OCPP-J.

    ``answerable`` is False when the broken frame was itself a CALLRESULT, CALLERROR,
    CALLRESULTERROR or SEND: OCPP-J never answers those, so the caller logs and drops it.
    ``code`` names the problem; ``to_frame`` writes it in ``version``'s word.
    """

    def __init__(
        self,
        message_id: str,
        code: ErrorCode,
        description: str,
        *,
        answerable: bool = True,
        version: str = names.OCPP201,
    ) -> None:
        super().__init__(f"{code}: {description}")
        self.message_id = message_id
        self.code = code
        self.description = description
        self.answerable = answerable
        self.version = version

    @property
    def word(self) -> str:
        """The error code as this version's CALLERROR writes it."""
        return code_word(self.code, self.version)

    def to_frame(self) -> str:
        return error_frame(self.message_id, self.code, self.description, version=self.version)


@overload
def parse(text: str | bytes, version: Literal["ocpp1.6", "ocpp2.0.1"] = "ocpp2.0.1") -> Message: ...
@overload
def parse(text: str | bytes, version: str) -> AnyMessage: ...
def parse(text: str | bytes, version: str = names.OCPP201) -> AnyMessage:
    """Read one websocket frame of an OCPP ``version`` connection.

    A message type number the version does not know (5 and 6 for 1.6 and 2.0.1, 1 or 7 for
    all) is refused with MessageTypeNotSupported (1.6: FormationViolation, see
    ``code_word``) and its message id, as an answerable error.

    Raises:
        FrameError: with the CALLERROR the spec asks for; send ``exc.to_frame()`` back
            when ``exc.answerable``.
    """
    known = MESSAGE_TYPES.get(version)
    if known is None:
        raise ValueError(f"unknown OCPP version {version!r}")

    def error(message_id: str, code: ErrorCode, description: str, answerable: bool) -> FrameError:
        return FrameError(message_id, code, description, answerable=answerable, version=version)

    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise error(
            UNREADABLE_ID, ErrorCode.RPC_FRAMEWORK_ERROR, "frame is not valid JSON", True
        ) from None
    if not isinstance(frame, list) or len(frame) < 2:
        raise error(
            UNREADABLE_ID,
            ErrorCode.RPC_FRAMEWORK_ERROR,
            "frame is not a JSON array of an RPC",
            True,
        )
    message_type, message_id = frame[0], frame[1]
    if not isinstance(message_id, str):
        raise error(
            UNREADABLE_ID, ErrorCode.RPC_FRAMEWORK_ERROR, "message id is not a string", True
        )
    if type(message_type) is not int or message_type not in known:
        raise error(
            message_id,
            ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED,
            f"message type {message_type!r} is not supported by {version}",
            True,
        )
    answerable = message_type == MessageType.CALL
    if not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        raise error(
            message_id[:MAX_MESSAGE_ID_LENGTH] or UNREADABLE_ID,
            ErrorCode.RPC_FRAMEWORK_ERROR,
            f"message id must be 1 to {MAX_MESSAGE_ID_LENGTH} characters",
            answerable,
        )
    if message_type in (MessageType.CALL, MessageType.SEND):
        shape = "a CALL is [2, id, action, payload]"
        if message_type == MessageType.SEND:
            shape = "a SEND is [6, id, action, payload]"
        if len(frame) != 4 or not isinstance(frame[2], str):
            raise error(message_id, ErrorCode.RPC_FRAMEWORK_ERROR, shape, answerable)
        if not isinstance(frame[3], dict):
            raise error(
                message_id,
                ErrorCode.FORMAT_VIOLATION,
                "the payload of a CALL or SEND must be an object",
                answerable,
            )
        if message_type == MessageType.SEND:
            return Send(message_id, frame[2], frame[3])
        return Call(message_id, frame[2], frame[3])
    if message_type == MessageType.CALLRESULT:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise error(
                message_id, ErrorCode.RPC_FRAMEWORK_ERROR, "a CALLRESULT is [3, id, payload]", False
            )
        return CallResult(message_id, frame[2])
    if (
        len(frame) != 5
        or not isinstance(frame[2], str)
        or not isinstance(frame[3], str)
        or not isinstance(frame[4], dict)
    ):
        raise error(
            message_id,
            ErrorCode.RPC_FRAMEWORK_ERROR,
            f"a {MessageType(message_type).name} is "
            f"[{message_type}, id, code, description, details]",
            False,
        )
    if message_type == MessageType.CALLRESULTERROR:
        return CallResultError(message_id, frame[2], frame[3], frame[4])
    return CallError(message_id, frame[2], frame[3], frame[4])


def call_frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL, message_id, action, payload]).decode()


def result_frame(message_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALLRESULT, message_id, payload]).decode()


def error_frame(
    message_id: str,
    code: str,
    description: str = "",
    details: dict[str, Any] | None = None,
    *,
    version: str = names.OCPP201,
) -> str:
    """A CALLERROR for a ``version`` connection, its code written as ``code_word`` does.

    Raises:
        ValueError: ``code`` is no error code of ``version``.
    """
    return _error(MessageType.CALLERROR, message_id, code_word(code, version), description, details)


def result_error_frame(
    message_id: str, code: str, description: str = "", details: dict[str, Any] | None = None
) -> str:
    """An OCPP 2.1 CALLRESULTERROR (what a station sends; built here for simulators and tests).

    Raises:
        ValueError: ``code`` is no OCPP 2.1 error code.
    """
    word = code_word(code, names.OCPP21)
    return _error(MessageType.CALLRESULTERROR, message_id, word, description, details)


def send_frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    """An OCPP 2.1 SEND (what a station sends; built here for simulators and tests)."""
    return orjson.dumps([MessageType.SEND, message_id, action, payload]).decode()


def _error(
    message_type: MessageType,
    message_id: str,
    word: str,
    description: str,
    details: dict[str, Any] | None,
) -> str:
    return orjson.dumps(
        [message_type, message_id, word, description[:MAX_DESCRIPTION_LENGTH], details or {}]
    ).decode()
