"""Rate limits for what an attacker can make us do or write: frames a station sends, failed
logins at the handshake, log lines and stored security events.

Everything here is pure: the caller passes the time (``now``, seconds on a monotonic clock),
so the decisions are tested without sockets or sleeping, and every table has a size cap.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from enum import Enum


class Limiter:
    """At most ``burst`` events per key in any ``window`` seconds; counts the rest.

    At most ``max_keys`` keys are kept; beyond, the oldest key is forgotten (it starts over).
    """

    def __init__(self, burst: int, window: float, max_keys: int = 10_000) -> None:
        self.burst = burst
        self.window = window
        self.max_keys = max_keys
        self._seen: dict[str, tuple[float, int, int]] = {}  # key -> (start, count, dropped)

    def allow(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, events dropped for this key since the last allowed one)."""
        moment = time.monotonic() if now is None else now
        start, count, dropped = self._seen.get(key, (moment, 0, 0))
        if moment - start >= self.window:
            start, count = moment, 0
        if count < self.burst:
            if len(self._seen) >= self.max_keys and key not in self._seen:
                del self._seen[next(iter(self._seen))]
            self._seen[key] = (start, count + 1, 0)
            return True, dropped
        self._seen[key] = (start, count, dropped + 1)
        return False, 0


class Verdict(Enum):
    PASS = "pass"  # handle the frame
    REFUSE = "refuse"  # answer RpcFrameworkError (a CALL) or drop it (an answer); forward nothing
    CLOSE = "close"  # close the connection


class FrameRate:
    """One connection's frame budget: a token bucket that may go into debt.

    The bucket holds up to ``burst`` frames and refills at ``rate`` per second. Every frame
    costs one, the refused ones too, so a station that keeps sending faster than ``rate``
    sinks deeper; once it owes more than ``close_after`` frames the verdict is CLOSE. A
    station that pauses pays its debt back at ``rate`` per second and is served again.
    """

    def __init__(self, rate: float, burst: int, close_after: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.close_after = close_after
        self._level = float(burst)
        self._at = now

    def admit(self, now: float) -> Verdict:
        self._level = min(self.burst, self._level + (now - self._at) * self.rate)
        self._at = now
        self._level -= 1
        if self._level >= 0:
            return Verdict.PASS
        if -self._level > self.close_after:
            return Verdict.CLOSE
        return Verdict.REFUSE


class FailureWindow:
    """Failed logins per key (a station id, a remote address): after ``limit`` failures in
    one window of ``window`` seconds (counted from the first), the key is throttled until
    that window ends. Throttled attempts are not counted, so the window is never extended:
    the real station can log in once it has passed.

    At most ``max_keys`` keys are kept, least recently failed dropped first; a key of 48
    characters costs about 250 bytes (tests/shared/test_ratelimit.py), 10,000 keys ~2.5 MB.
    """

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[str, tuple[float, int]] = OrderedDict()  # key -> (start, n)

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        entry = self._failures.get(key)
        if entry is None:
            return 0.0
        start, count = entry
        left = start + self.window - now
        if left <= 0:
            del self._failures[key]
            return 0.0
        return left if count >= self.limit else 0.0

    def failed(self, key: str, now: float) -> None:
        start, count = self._failures.pop(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        self._failures[key] = (start, count + 1)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def __len__(self) -> int:
        return len(self._failures)


class CappedDict(dict):  # type: ignore[type-arg]
    """A dict of at most ``max_entries`` items: storing one more drops the oldest stored."""

    def __init__(self, max_entries: int) -> None:
        super().__init__()
        self.max_entries = max_entries

    def __setitem__(self, key: object, value: object) -> None:
        if key not in self and len(self) >= self.max_entries:
            del self[next(iter(self))]
        super().__setitem__(key, value)
