"""Failed-login throttling at the handshake, per station id and per remote address.

After too many failed logins in a window, the handshake answers HTTP 429 with Retry-After
before asking the workers, so a password-guessing flood costs no password check. Pure: the
caller passes the time. The counts live in this gateway process only; with several gateways
behind a load balancer an attacker gets each gateway's allowance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.config import Settings
from shared.ratelimit import FailureWindow


@dataclass(frozen=True, slots=True)
class Throttled:
    by: str  # "station" or "address": which count ran out (the metric's label)
    retry_after: int  # whole seconds, at least 1


class Logins:
    """Two ``FailureWindow`` tables, each of at most ``max_keys`` keys (~2.5 MB each)."""

    def __init__(
        self, per_station: int, per_address: int, window: float, max_keys: int = 10_000
    ) -> None:
        self._stations = FailureWindow(per_station, window, max_keys)
        self._addresses = FailureWindow(per_address, window, max_keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Logins:
        return cls(
            settings.gateway_login_failures_per_station,
            settings.gateway_login_failures_per_address,
            settings.gateway_login_window,
        )

    def throttled(self, station: str, address: str | None, now: float) -> Throttled | None:
        """Whether to answer 429 instead of checking; ``address`` None: not counted (a
        trusted proxy, behind which every station shares one address)."""
        for by, table, key in (
            ("station", self._stations, station),
            ("address", self._addresses, address),
        ):
            if key is not None:
                wait = table.retry_after(key, now)
                if wait > 0:
                    return Throttled(by, max(1, math.ceil(wait)))
        return None

    def failed(self, station: str | None, address: str | None, now: float) -> None:
        """A failed login: a wrong or missing password (``station`` given) or an unknown
        station id (``station`` None: made-up ids must not fill the table)."""
        if station is not None:
            self._stations.failed(station, now)
        if address is not None:
            self._addresses.failed(address, now)

    def succeeded(self, station: str) -> None:
        """The station's count starts over. The address's does not: one valid login must not
        buy an address more guesses at other stations."""
        self._stations.succeeded(station)
