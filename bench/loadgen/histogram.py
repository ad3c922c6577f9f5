"""A latency histogram with log-spaced buckets 1 % wide: cheap to record, exact to merge.

Values are seconds. Bucket ``k`` (k >= 1) holds microsecond values in ``[1.01**(k-1), 1.01**k)``
and bucket 0 everything up to 1 us, so a percentile is off by at most half a percent while a
whole run fits in a few hundred integers that pickle and serialise to JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

GROWTH = 1.01
_LOG_GROWTH = math.log(GROWTH)
_HALF_STEP = math.sqrt(GROWTH)


def bucket_of(seconds: float) -> int:
    micros = seconds * 1e6
    if micros <= 1.0:
        return 0
    return int(math.log(micros) / _LOG_GROWTH) + 1


def bucket_value(bucket: int) -> float:
    """The geometric middle of a bucket, in seconds."""
    if bucket <= 0:
        return 1e-6
    return GROWTH ** (bucket - 1) * _HALF_STEP / 1e6


@dataclass(slots=True)
class Histogram:
    counts: dict[int, int] = field(default_factory=dict)
    count: int = 0
    total: float = 0.0
    min: float = math.inf
    max: float = 0.0

    def record(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        bucket = bucket_of(seconds)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        self.count += 1
        self.total += seconds
        self.min = min(self.min, seconds)
        self.max = max(self.max, seconds)

    def merge(self, other: Histogram) -> None:
        for bucket, n in other.counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + n
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    def percentile(self, q: float) -> float | None:
        """The value below which ``q`` percent of the recorded values fall (None when empty)."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q / 100 * self.count))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return min(max(bucket_value(bucket), self.min), self.max)
        return self.max

    def summary_ms(self) -> dict[str, float | int | None]:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 3)

        return {
            "count": self.count,
            "mean": ms(self.total / self.count) if self.count else None,
            "p50": ms(self.percentile(50)),
            "p95": ms(self.percentile(95)),
            "p99": ms(self.percentile(99)),
            "max": ms(self.max) if self.count else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {str(k): v for k, v in sorted(self.counts.items())},
            "count": self.count,
            "total": self.total,
            "min": self.min if self.count else None,
            "max": self.max,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        return cls(
            counts={int(k): int(v) for k, v in data["counts"].items()},
            count=int(data["count"]),
            total=float(data["total"]),
            min=math.inf if data["min"] is None else float(data["min"]),
            max=float(data["max"]),
        )
