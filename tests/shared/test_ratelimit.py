"""The limiter that keeps refusal floods out of logs and the database."""

from __future__ import annotations

from shared.ratelimit import Limiter


def test_burst_then_drop_then_report_dropped_after_the_window():
    limiter = Limiter(burst=3, window=10.0)
    assert [limiter.allow("k", now=0.0)[0] for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("k", now=10.5) == (True, 2)
    assert limiter.allow("k", now=10.6) == (True, 0)


def test_keys_are_limited_separately():
    limiter = Limiter(burst=1, window=60.0)
    assert limiter.allow("a", now=0.0) == (True, 0)
    assert limiter.allow("a", now=1.0) == (False, 0)
    assert limiter.allow("b", now=1.0) == (True, 0)


def test_memory_is_bounded():
    limiter = Limiter(burst=1, window=60.0, max_keys=10)
    for i in range(1000):
        limiter.allow(f"key-{i}", now=0.0)
    assert len(limiter._seen) <= 10


def test_the_oldest_key_is_forgotten_first_when_full():
    limiter = Limiter(burst=1, window=60.0, max_keys=2)
    limiter.allow("a", now=0.0)
    limiter.allow("b", now=0.0)
    limiter.allow("c", now=0.0)
    assert limiter.allow("b", now=1.0) == (False, 0), "b is still limited"
    assert limiter.allow("a", now=1.0) == (True, 0), "a was forgotten"
