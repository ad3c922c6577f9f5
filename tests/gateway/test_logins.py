"""Failed-login throttling, decided without sockets (gateway/logins.py)."""

from __future__ import annotations

from gateway.logins import Logins, Throttled


def test_failures_per_station_throttle_that_station_from_any_address():
    logins = Logins(per_station=3, per_address=100, window=60.0)
    for t in range(3):
        assert logins.throttled("CS1", "10.0.0.1", float(t)) is None
        logins.failed("CS1", "10.0.0.1", float(t))
    assert logins.throttled("CS1", "10.0.0.9", 10.5) == Throttled("station", 50)
    assert logins.throttled("CS2", "10.0.0.1", 10.5) is None
    assert logins.throttled("CS1", "10.0.0.9", 60.0) is None, "after the window"


def test_failures_per_address_throttle_every_station_from_it():
    logins = Logins(per_station=100, per_address=2, window=30.0)
    logins.failed("CS1", "10.0.0.1", 0.0)
    logins.failed(None, "10.0.0.1", 0.0)  # an unknown station id
    assert logins.throttled("CS3", "10.0.0.1", 1.0) == Throttled("address", 29)
    assert logins.throttled("CS3", "10.0.0.2", 1.0) is None


def test_unknown_ids_and_trusted_proxies_do_not_fill_the_tables():
    logins = Logins(per_station=1, per_address=1, window=60.0, max_keys=5)
    for i in range(100):
        logins.failed(None, None, 0.0)
        logins.failed(f"CS{i}", f"10.0.{i}.1", 0.0)
    assert len(logins._stations) == 5 and len(logins._addresses) == 5
    assert logins.throttled("CS99", None, 1.0) == Throttled("station", 59)


def test_success_resets_the_station_but_not_the_address():
    logins = Logins(per_station=2, per_address=2, window=60.0)
    logins.failed("CS1", "10.0.0.1", 0.0)
    logins.succeeded("CS1")
    logins.failed("CS1", "10.0.0.1", 1.0)
    assert logins.throttled("CS1", "10.0.0.2", 2.0) is None
    assert logins.throttled("CS1", "10.0.0.1", 2.0) == Throttled("address", 58)


def test_retry_after_is_a_whole_number_of_seconds_at_least_one():
    logins = Logins(per_station=1, per_address=10, window=1.0)
    logins.failed("CS1", None, 0.0)
    assert logins.throttled("CS1", None, 0.999) == Throttled("station", 1)


async def test_the_handshake_cache_of_successful_checks_is_capped():
    from gateway.handshake import MAX_CACHED_CHECKS, Handshake
    from shared.envelope import AuthRequest, AuthResult

    async def anything_goes(request: AuthRequest) -> AuthResult:
        return AuthResult("ok", 0)  # a station without a password accepts any

    handshake = Handshake(anything_goes, cache_seconds=60)
    for i in range(MAX_CACHED_CHECKS + 500):
        await handshake._check(AuthRequest("CS1", f"password-{i}", "10.0.0.1:1", 1, None))
    assert sum(len(entries) for entries in handshake._cache.values()) == MAX_CACHED_CHECKS
