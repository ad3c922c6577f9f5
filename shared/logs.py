"""Structured logging: one JSON object a line, station id and message id on every line.

The ids travel in context variables, set once where a frame enters a process
(``bind``), so no call site has to remember to pass them.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from shared.ratelimit import Limiter

station_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("station", default=None)
message_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("message", default=None)

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@contextmanager
def bind(station: str | None, message_id: str | None = None) -> Iterator[None]:
    """Tag every log line written inside the block with this station and message."""
    station_token = station_var.set(station)
    message_token = message_var.set(message_id)
    try:
        yield
    finally:
        message_var.reset(message_token)
        station_var.reset(station_token)


def _stamp_ids(factory: Any) -> Any:
    """Read the context ids when the record is made, not when a handler formats it, so a
    queued or background handler still gets the right ones."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = factory(*args, **kwargs)
        # Private names: `extra={"station": ...}` must still be allowed to set the real ones.
        record._ctx_station = station_var.get()
        record._ctx_message = message_var.get()
        return record

    make.stamps_ids = True  # type: ignore[attr-defined]
    return make


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        + f".{int(record.msecs):03d}Z",
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
        "station": getattr(record, "station", None)
        or getattr(record, "_ctx_station", None)
        or station_var.get(),
        "messageId": getattr(record, "messageId", None)
        or getattr(record, "_ctx_message", None)
        or message_var.get(),
    }
    for key, value in record.__dict__.items():
        if key not in _STANDARD and key not in out and not key.startswith("_ctx_"):
            out[key] = value
    if record.exc_info:
        out["exc"] = logging.Formatter().formatException(record.exc_info)
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(_fields(record), default=str).decode()


class TextFormatter(logging.Formatter):
    """Same fields as JSON, laid out for a person watching ``make run``."""

    def format(self, record: logging.LogRecord) -> str:
        data = _fields(record)
        head = f"{data.pop('ts')} {data.pop('level'):7} {data.pop('logger'):18} "
        station, message = data.pop("station"), data.pop("messageId")
        ids = f"[{station or '-'} {message or '-'}] "
        exc = data.pop("exc", None)
        extra = " ".join(f"{k}={v}" for k, v in data.items() if k != "msg")
        line = head + ids + str(data["msg"]) + (f"  {extra}" if extra else "")
        return line + (f"\n{exc}" if exc else "")


DEFAULT_LIMIT_LINES = 10
DEFAULT_LIMIT_WINDOW = 60.0
_limited: list[Limited] = []


class Limited:
    """Log lines a station can trigger, capped per station and kind: a flood cannot fill a disk.

    The kind is the message itself ("invalid frame"). Of each kind, a station gets at most
    ``lines`` lines per ``window`` seconds (LOG_LIMIT_LINES, LOG_LIMIT_WINDOW; ``setup``
    applies them); the next line that goes out carries ``suppressedBefore``, how many were
    left out. The station is the one bound to the context (``bind``).
    """

    def __init__(self, logger: logging.Logger, max_keys: int = 10_000) -> None:
        self.logger = logger
        self._limiter = Limiter(DEFAULT_LIMIT_LINES, DEFAULT_LIMIT_WINDOW, max_keys)
        _limited.append(self)

    def configure(self, lines: int, window: float) -> None:
        self._limiter.burst, self._limiter.window = lines, window

    def log(
        self, level: int, kind: str, exc_info: bool = False, about: str | None = None, **extra: Any
    ) -> bool:
        """Log ``kind`` unless this station had its share of it; True if logged. ``about``
        caps by another key than the bound station (a site's, for what an energy manager
        sends)."""
        key = station_var.get() if about is None else about
        allowed, dropped = self._limiter.allow(f"{key}\x00{kind}")
        if not allowed:
            return False
        if dropped:
            extra["suppressedBefore"] = dropped
        self.logger.log(level, kind, exc_info=exc_info, extra=extra)
        return True

    def warning(self, kind: str, about: str | None = None, **extra: Any) -> bool:
        return self.log(logging.WARNING, kind, about=about, **extra)

    def exception(self, kind: str, **extra: Any) -> bool:
        return self.log(logging.ERROR, kind, exc_info=True, **extra)


def setup(
    level: str = "INFO",
    fmt: str = "json",
    limit_lines: int = DEFAULT_LIMIT_LINES,
    limit_window: float = DEFAULT_LIMIT_WINDOW,
) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "stamps_ids", False):
        logging.setLogRecordFactory(_stamp_ids(factory))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for limited in _limited:
        limited.configure(limit_lines, limit_window)
    for noisy in ("aio_pika", "aiormq", "pymongo", "websockets", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
