"""The limits that keep a hostile station from making us work, log or store without bound."""

from __future__ import annotations

import tracemalloc

from shared.ratelimit import CappedDict, FailureWindow, FrameRate, Limiter, Verdict


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


# --- FrameRate: one connection's frame budget -----------------------------------------------


def verdicts(rate: FrameRate, times: list[float]) -> list[str]:
    return [rate.admit(t).value for t in times]


def test_a_burst_passes_then_frames_are_refused_then_the_connection_closes():
    rate = FrameRate(rate=1.0, burst=3, close_after=2, now=0.0)
    assert verdicts(rate, [0.0] * 6) == ["pass"] * 3 + ["refuse"] * 2 + ["close"]


def test_a_station_at_the_rate_is_never_refused():
    rate = FrameRate(rate=10.0, burst=5, close_after=5, now=0.0)
    assert set(verdicts(rate, [i * 0.1 for i in range(10_000)])) == {"pass"}


def test_refused_frames_count_so_a_station_above_the_rate_is_closed():
    rate = FrameRate(rate=10.0, burst=20, close_after=20, now=0.0)
    # 20 frames a second: 10 over the rate each second, so closed after about 4 seconds.
    out = verdicts(rate, [i * 0.05 for i in range(200)])
    assert "refuse" in out and out.index("close") in range(75, 85)


def test_a_station_that_pauses_repays_its_debt_and_is_served_again():
    rate = FrameRate(rate=2.0, burst=2, close_after=10, now=0.0)
    assert verdicts(rate, [0.0] * 6) == ["pass", "pass"] + ["refuse"] * 4
    assert rate.admit(1.0) is Verdict.REFUSE, "still owes 3 after one second"
    assert rate.admit(3.5) is Verdict.PASS  # 4 owed at 1.0, repaid at 2/s by 3.0


# --- FailureWindow: failed logins per key ---------------------------------------------------


def test_after_the_limit_a_key_waits_until_the_window_ends():
    window = FailureWindow(limit=3, window=60.0)
    for t in (0.0, 1.0, 2.0):
        assert window.retry_after("CS1", t) == 0
        window.failed("CS1", t)
    assert window.retry_after("CS1", 10.0) == 50.0
    assert window.retry_after("CS2", 10.0) == 0, "other keys are not affected"
    assert window.retry_after("CS1", 60.0) == 0, "the real station may log in after the window"


def test_throttled_attempts_do_not_extend_the_window_and_success_resets():
    window = FailureWindow(limit=2, window=10.0)
    window.failed("CS1", 0.0)
    window.failed("CS1", 0.0)
    assert window.retry_after("CS1", 9.0) == 1.0
    window.failed("CS1", 12.0)
    assert window.retry_after("CS1", 12.0) == 0, "a new window: one failure so far"
    window.succeeded("CS1")
    assert len(window) == 0


def test_the_failure_table_is_capped_and_its_memory_bounded():
    window = FailureWindow(limit=10, window=60.0, max_keys=10_000)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(50_000):
        window.failed(f"{i:048d}", 0.0)  # 48 characters: the longest station id
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert len(window) == 10_000
    assert used < 3_000_000, used  # ~2 MB for 10,000 keys, as the docstring says
    window.failed("last", 1.0)
    assert window.retry_after(f"{0:048d}", 1.0) == 0, "the oldest key went first"


def test_a_capped_dict_drops_the_oldest_entry():
    table = CappedDict(max_entries=3)
    for key in "abcde":
        table[key] = key.upper()
    table["d"] = "again"  # replacing keeps the size
    assert table == {"c": "C", "d": "again", "e": "E"}
