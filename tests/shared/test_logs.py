"""shared.logs: JSON log lines carrying the station and message ids from context variables."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pytest

from shared.logs import (
    DEFAULT_LIMIT_LINES,
    DEFAULT_LIMIT_WINDOW,
    JsonFormatter,
    Limited,
    TextFormatter,
    bind,
    message_var,
    setup,
    station_var,
)

LOGGER = logging.getLogger("tests.shared.logs")
NOISY = ("aio_pika", "aiormq", "pymongo", "websockets", "aiohttp.access")


def record(
    msg: str = "frame received",
    *args: object,
    level: int = logging.INFO,
    extra: dict[str, Any] | None = None,
    exc_info: Any = None,
) -> logging.LogRecord:
    return LOGGER.makeRecord(LOGGER.name, level, __file__, 10, msg, args, exc_info, extra=extra)


def as_json(rec: logging.LogRecord) -> dict[str, Any]:
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    parsed: dict[str, Any] = orjson.loads(line)
    return parsed


class ListHandler(logging.Handler):
    """Formats each record when it is emitted, as a StreamHandler does."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def capture(formatter: logging.Formatter) -> Iterator[list[str]]:
    logger = logging.getLogger("tests.shared.logs.capture")
    handler = ListHandler(formatter)
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved


@pytest.fixture
def json_lines() -> Iterator[list[str]]:
    yield from capture(JsonFormatter())


@pytest.fixture
def text_lines() -> Iterator[list[str]]:
    yield from capture(TextFormatter())


def test_record_logged_inside_bind_carries_station_and_message_id(
    json_lines: list[str],
) -> None:
    log = logging.getLogger("tests.shared.logs.capture")
    with bind("CS1", "m1"):
        log.info("boot from %s", "CS1", extra={"action": "BootNotification", "size": 123})

    assert len(json_lines) == 1
    data = orjson.loads(json_lines[0])

    assert data["station"] == "CS1"
    assert data["messageId"] == "m1"
    assert data["msg"] == "boot from CS1"
    assert data["action"] == "BootNotification"
    assert data["size"] == 123
    assert data["level"] == "info"
    assert data["logger"] == "tests.shared.logs.capture"


def test_lines_logged_before_inside_and_after_bind(json_lines: list[str]) -> None:
    log = logging.getLogger("tests.shared.logs.capture")
    log.warning("before")
    with bind("CS7", "m7"):
        log.warning("inside")
    log.warning("after")

    ids = [(d["msg"], d["station"], d["messageId"]) for d in map(orjson.loads, json_lines)]
    assert ids == [("before", None, None), ("inside", "CS7", "m7"), ("after", None, None)]


def test_record_outside_bind_has_null_ids() -> None:
    data = as_json(record())

    assert data["station"] is None
    assert data["messageId"] is None


def test_json_line_has_only_the_documented_fields_and_extras() -> None:
    data = as_json(record(level=logging.WARNING, extra={"queue": "ocpp.inbound"}))

    assert list(data) == ["ts", "level", "logger", "msg", "station", "messageId", "queue"]
    assert data["level"] == "warning"


def test_timestamp_is_utc_iso_8601_with_milliseconds() -> None:
    rec = record()
    rec.created = 1714557600.25
    rec.msecs = 250.0

    assert as_json(rec)["ts"] == "2024-05-01T10:00:00.250Z"


def test_timestamp_of_a_fresh_record_has_the_iso_shape() -> None:
    ts = as_json(record())["ts"]

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ts), ts


def test_bind_with_station_only_leaves_message_id_null() -> None:
    with bind("CS2"):
        data = as_json(record())

    assert data["station"] == "CS2"
    assert data["messageId"] is None


def test_explicit_ids_on_the_record_win_over_the_context() -> None:
    with bind("CS1", "m1"):
        data = as_json(record(extra={"station": "CS9", "messageId": "m9"}))

    assert data["station"] == "CS9"
    assert data["messageId"] == "m9"


def test_nested_bind_restores_the_outer_ids() -> None:
    with bind("outer", "m-outer"):
        with bind("inner", "m-inner"):
            inner = as_json(record())
        outer = as_json(record())
    after = as_json(record())

    assert (inner["station"], inner["messageId"]) == ("inner", "m-inner")
    assert (outer["station"], outer["messageId"]) == ("outer", "m-outer")
    assert (after["station"], after["messageId"]) == (None, None)


def test_bind_resets_the_ids_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), bind("CS1", "m1"):
        assert station_var.get() == "CS1"
        raise RuntimeError("handler failed")

    assert station_var.get() is None
    assert message_var.get() is None


async def test_concurrent_tasks_each_log_their_own_station() -> None:
    seen: dict[str, dict[str, Any]] = {}

    async def handle(station: str, message_id: str) -> None:
        with bind(station, message_id):
            await asyncio.sleep(0.01)
            seen[station] = as_json(record())

    await asyncio.gather(handle("CS-A", "a1"), handle("CS-B", "b1"), handle("CS-C", "c1"))

    assert {s: (d["station"], d["messageId"]) for s, d in seen.items()} == {
        "CS-A": ("CS-A", "a1"),
        "CS-B": ("CS-B", "b1"),
        "CS-C": ("CS-C", "c1"),
    }
    assert station_var.get() is None


def test_values_json_cannot_hold_are_written_as_text() -> None:
    data = as_json(record(extra={"amount": Decimal("12.50"), "tags": {"x"}}))

    assert data["amount"] == "12.50"
    assert data["tags"] == "{'x'}"


def test_exception_traceback_is_included() -> None:
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        rec = record("boom", level=logging.ERROR, exc_info=sys.exc_info())

    data = as_json(rec)

    assert data["exc"].startswith("Traceback (most recent call last):")
    assert data["exc"].endswith("ZeroDivisionError: division by zero")
    assert data["level"] == "error"


def test_text_formatter_shows_ids_message_and_extras(text_lines: list[str]) -> None:
    with bind("CS1", "m1"):
        logging.getLogger("tests.shared.logs.capture").info(
            "accepted", extra={"action": "Heartbeat"}
        )

    [line] = text_lines
    assert re.fullmatch(
        r"\S+Z info    tests\.shared\.logs\.capture \[CS1 m1\] accepted  action=Heartbeat", line
    ), line


def test_text_formatter_shows_dashes_without_ids() -> None:
    line = TextFormatter().format(record("idle"))

    assert "[- -] idle" in line
    assert line.endswith("[- -] idle")


@pytest.fixture
def root_logger_restored() -> Iterator[logging.Logger]:
    """``setup`` replaces the root handler with one on the sys.stdout of the moment, which
    pytest closes after the test: later tests' log lines would hit a closed file."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    quiet = [logging.getLogger(name) for name in NOISY]
    saved_quiet = [logger.level for logger in quiet]
    yield root
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for logger, level in zip(quiet, saved_quiet, strict=True):
        logger.setLevel(level)


def test_setup_installs_one_handler_with_the_chosen_formatter(
    root_logger_restored: logging.Logger,
) -> None:
    root = root_logger_restored
    noisy = logging.getLogger("aio_pika")
    setup("DEBUG", "json")
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, JsonFormatter)
    assert root.level == logging.DEBUG
    assert noisy.level == logging.WARNING

    setup("ERROR", "text")
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, TextFormatter)
    assert noisy.level == logging.ERROR


def test_after_setup_extra_station_overrides_context_and_context_ids_are_stamped(
    capsys: pytest.CaptureFixture[str], root_logger_restored: logging.Logger
) -> None:
    setup("INFO", "json")
    log = logging.getLogger("test.setup")
    with bind("CTX-STATION", "ctx-message"):
        log.info("explicit", extra={"station": "EXPLICIT"})
        log.info("implicit")
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["msg"], x["station"], x["messageId"]) for x in lines] == [
        ("explicit", "EXPLICIT", "ctx-message"),
        ("implicit", "CTX-STATION", "ctx-message"),
    ]
    assert not any(key.startswith("_ctx") for line in lines for key in line)


# --- Limited: what a station can make us log ------------------------------------------------


def test_limited_lines_per_station_and_kind_then_a_count_of_the_suppressed(
    json_lines: list[str],
) -> None:
    limited = Limited(logging.getLogger("tests.shared.logs.capture"))
    limited.configure(lines=2, window=60.0)
    with bind("CS1"):
        sent = [limited.warning("invalid frame", frame=str(i)) for i in range(5)]
        limited.warning("unknown action")
    with bind("CS2"):
        limited.warning("invalid frame")
    assert sent == [True, True, False, False, False]
    lines = [orjson.loads(line) for line in json_lines]
    assert [(d["station"], d["msg"]) for d in lines] == [
        ("CS1", "invalid frame"),
        ("CS1", "invalid frame"),
        ("CS1", "unknown action"),
        ("CS2", "invalid frame"),
    ]
    assert all("suppressedBefore" not in d for d in lines)


def test_limited_lines_about_something_else_are_capped_by_it_not_the_station(
    json_lines: list[str],
) -> None:
    limited = Limited(logging.getLogger("tests.shared.logs.capture"))
    limited.configure(lines=1, window=60.0)
    sent = [limited.warning("invalid site limit", about="site A", site="A") for _ in range(3)]
    sent.append(limited.warning("invalid site limit", about="site B", site="B"))
    assert sent == [True, False, False, True]
    lines = [orjson.loads(line) for line in json_lines]
    assert [(d["station"], d["site"]) for d in lines] == [(None, "A"), (None, "B")]


def test_the_next_line_after_the_window_says_how_many_were_suppressed(
    json_lines: list[str],
) -> None:
    limited = Limited(logging.getLogger("tests.shared.logs.capture"))
    limited.configure(lines=1, window=0.05)
    with bind("CS1"):
        for _ in range(4):
            limited.warning("invalid frame")
        time.sleep(0.06)
        limited.warning("invalid frame")
    lines = [orjson.loads(line) for line in json_lines]
    assert [d.get("suppressedBefore") for d in lines] == [None, 3]


def test_setup_applies_the_configured_limits(root_logger_restored: logging.Logger) -> None:
    limited = Limited(logging.getLogger("tests.shared.logs.capture"))
    setup("INFO", "json", limit_lines=3, limit_window=7.0)
    try:
        assert (limited._limiter.burst, limited._limiter.window) == (3, 7.0)
    finally:
        setup("INFO", "json", DEFAULT_LIMIT_LINES, DEFAULT_LIMIT_WINDOW)


def test_limited_exceptions_carry_the_traceback(json_lines: list[str]) -> None:
    limited = Limited(logging.getLogger("tests.shared.logs.capture"))
    try:
        raise ValueError("boom")
    except ValueError:
        limited.exception("handler failed", action="Heartbeat")
    (line,) = [orjson.loads(line) for line in json_lines]
    assert line["level"] == "error" and "ValueError: boom" in line["exc"]
