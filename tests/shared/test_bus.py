"""The first connection to RabbitMQ is retried with backoff, logged, and finally given up."""

from __future__ import annotations

import logging
import time

import pytest

from shared import bus
from tests.cluster import free_port


async def test_unreachable_broker_is_retried_with_warnings_then_raises(
    caplog: pytest.LogCaptureFixture,
):
    url = f"amqp://guest:guest@127.0.0.1:{free_port()}/"  # nothing listens there
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bus"), pytest.raises((ConnectionError, OSError)):
        await bus.connect(url, give_up_after=1.5)
    assert time.monotonic() - started >= 1.0
    retries = [r for r in caplog.records if r.name == "bus" and "Retrying" in r.getMessage()]
    assert len(retries) >= 2
