"""Rate limits for what an attacker can make us write: refusal log lines and stored
security events. A flood of bad handshakes must not fill the disk or the database."""

from __future__ import annotations

import time


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
