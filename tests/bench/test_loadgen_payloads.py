"""The load generator sends only what the official schemas allow; a load test full of
FormatViolations would measure nothing."""

from __future__ import annotations

from bench.loadgen import selftest


def test_every_generated_payload_is_valid():
    assert selftest.run() == []
