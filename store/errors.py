"""Which store errors are worth retrying: the message is given back to the queue (after a
pause) instead of being answered with InternalError."""

from __future__ import annotations

from pymongo.errors import (
    ConnectionFailure,
    ExecutionTimeout,
    OperationFailure,
    WriteConcernError,
)

# MongoDB's "try again" codes: interrupted, not primary, shutting down, write conflict.
RETRYABLE_CODES = frozenset({11600, 11602, 91, 189, 10107, 13435, 13436, 112, 262})


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionFailure | ExecutionTimeout | WriteConcernError):
        return True
    if isinstance(exc, OperationFailure):
        return exc.code in RETRYABLE_CODES
    return False
