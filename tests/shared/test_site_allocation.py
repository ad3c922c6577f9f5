"""shared.site_allocation: a site's current shared among its transactions, without sockets."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.site_allocation import (
    Allocation,
    ExternalLimit,
    Site,
    Transaction,
    allocate,
    amps_from_watts,
    changes,
    effective_limit,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SITE = Site(max_current=32.0, min_current=6.0)


def tx(n: int, evse_max: float = 32.0, **kwargs: object) -> Transaction:
    """Transaction Tn on station CSn; a higher n started later, so it is newer."""
    return Transaction(
        station_id=f"CS{n}",
        evse_id=1,
        transaction_id=f"T{n}",
        started_at=NOW - timedelta(hours=1) + timedelta(minutes=n),
        evse_max=evse_max,
        **kwargs,  # type: ignore[arg-type]
    )


def limits(allocation: Allocation) -> dict[str, float]:
    return {limit.transaction_id: limit.limit for limit in allocation.limits}


def tenths(amps: float) -> int:
    return round(amps * 10)


def floor_tenths(amps: float) -> int:
    return math.floor(round(amps * 10, 6))


# The scenarios: a 32 A site with three stations.


def test_one_transaction_gets_the_whole_site():
    assert limits(allocate(SITE, [tx(1)], NOW)) == {"T1": 32.0}


def test_one_transaction_gets_no_more_than_its_evse_maximum():
    assert limits(allocate(SITE, [tx(1, evse_max=16.0)], NOW)) == {"T1": 16.0}


def test_a_second_transaction_halves_it():
    assert limits(allocate(SITE, [tx(1), tx(2)], NOW)) == {"T1": 16.0, "T2": 16.0}


def test_a_third_shares_it_rounded_down_to_a_tenth():
    assert limits(allocate(SITE, [tx(1), tx(2), tx(3)], NOW)) == {
        "T1": 10.6,
        "T2": 10.6,
        "T3": 10.6,
    }


def test_an_end_raises_the_others():
    three = allocate(SITE, [tx(1), tx(2), tx(3)], NOW)
    two = allocate(SITE, [tx(1), tx(3)], NOW)
    assert limits(two) == {"T1": 16.0, "T3": 16.0}
    assert [(c.transaction_id, c.limit) for c in changes(three, two)] == [
        ("T1", 16.0),
        ("T3", 16.0),
    ]


def test_an_external_limit_of_12_a_leaves_two_at_6_a_and_the_newest_at_0():
    site = replace(SITE, external=ExternalLimit(max_current=12.0))
    assert limits(allocate(site, [tx(3), tx(1), tx(2)], NOW)) == {
        "T1": 6.0,
        "T2": 6.0,
        "T3": 0.0,
    }


def test_the_newest_is_raised_again_when_capacity_frees_up():
    site = replace(SITE, external=ExternalLimit(max_current=12.0))
    before = allocate(site, [tx(1), tx(2), tx(3)], NOW)
    after = allocate(site, [tx(2), tx(3)], NOW)
    assert limits(after) == {"T2": 6.0, "T3": 6.0}
    assert [(c.transaction_id, c.limit) for c in changes(before, after)] == [("T3", 6.0)]


def test_a_rejected_profile_is_counted_at_the_evse_maximum():
    rejected = tx(1, evse_max=16.0, rejected=True)
    allocation = allocate(SITE, [rejected, tx(2), tx(3)], NOW)
    assert limits(allocation) == {"T1": 16.0, "T2": 8.0, "T3": 8.0}
    assert sum(limits(allocation).values()) <= 32.0
    assert allocation.limits[0].counted_at_max


def test_a_rejected_transaction_is_not_sent_a_limit():
    previous = allocate(SITE, [tx(1), tx(2)], NOW)
    new = allocate(SITE, [tx(1, rejected=True), tx(2)], NOW)
    assert limits(new) == {"T1": 32.0, "T2": 0.0}
    assert [(c.transaction_id, c.limit) for c in changes(previous, new)] == [("T2", 0.0)]


def test_rejected_ones_alone_over_the_limit_leave_nothing_to_the_others():
    new = allocate(SITE, [tx(1, rejected=True), tx(2, rejected=True), tx(3)], NOW)
    assert limits(new) == {"T1": 32.0, "T2": 32.0, "T3": 0.0}


def test_an_ev_maximum_lower_than_its_share_gives_the_rest_to_the_others():
    allocation = allocate(SITE, [tx(1, ev_max=8.0), tx(2), tx(3)], NOW)
    assert limits(allocation) == {"T1": 8.0, "T2": 12.0, "T3": 12.0}


def test_a_local_limit_caps_an_evse_and_the_rest_goes_to_the_others():
    allocation = allocate(SITE, [tx(1), tx(2, local_limit=10.0), tx(3)], NOW)
    assert limits(allocation) == {"T1": 11.0, "T2": 10.0, "T3": 11.0}


def test_a_cap_below_the_minimum_gets_0_and_takes_no_place():
    site = replace(SITE, external=ExternalLimit(max_current=12.0))
    allocation = allocate(site, [tx(1, ev_max=5.0), tx(2), tx(3)], NOW)
    assert limits(allocation) == {"T1": 0.0, "T2": 6.0, "T3": 6.0}


def test_an_external_limit_holds_until_its_until_passes():
    site = replace(SITE, external=ExternalLimit(max_current=12.0, until=NOW))
    assert effective_limit(site, NOW - timedelta(seconds=1)) == 12.0
    assert effective_limit(site, NOW) == 32.0
    assert limits(allocate(site, [tx(1), tx(2)], NOW - timedelta(seconds=1))) == {
        "T1": 6.0,
        "T2": 6.0,
    }
    assert limits(allocate(site, [tx(1), tx(2)], NOW + timedelta(minutes=5))) == {
        "T1": 16.0,
        "T2": 16.0,
    }


def test_an_external_limit_above_the_site_maximum_changes_nothing():
    site = replace(SITE, external=ExternalLimit(max_current=63.0))
    assert effective_limit(site, NOW) == 32.0


def test_rounding_never_exceeds_the_limit():
    site = Site(max_current=31.99, min_current=6.0)
    allocation = allocate(site, [tx(n) for n in range(1, 4)], NOW)
    assert limits(allocation) == {"T1": 10.6, "T2": 10.6, "T3": 10.6}
    one = allocate(site, [tx(1)], NOW)
    assert limits(one) == {"T1": 31.9}
    capped = allocate(SITE, [tx(1, ev_max=15.95), tx(2)], NOW)
    assert limits(capped) == {"T1": 15.9, "T2": 16.1}


def test_a_decimal_cap_is_not_rounded_below_itself():
    # 16.1 is 16.0999... as a float: it must still be 16.1 A, not 16.0 A.
    assert limits(allocate(SITE, [tx(1, evse_max=16.1)], NOW)) == {"T1": 16.1}


def test_ties_are_broken_by_transaction_id():
    same = [replace(tx(1), transaction_id=t, station_id="CS") for t in ("B", "A", "C")]
    site = replace(SITE, external=ExternalLimit(max_current=12.0))
    allocation = allocate(site, same, NOW)
    assert [(lim.transaction_id, lim.limit) for lim in allocation.limits] == [
        ("A", 6.0),
        ("B", 6.0),
        ("C", 0.0),
    ]


def test_changes_sends_decreases_before_increases_and_nothing_unchanged():
    previous = allocate(SITE, [tx(1), tx(2, ev_max=8.0)], NOW)  # 24 and 8
    new = allocate(SITE, [tx(1), tx(2), tx(3, evse_max=6.0)], NOW)  # 13, 13, 6
    assert [(c.transaction_id, c.limit) for c in changes(previous, new)] == [
        ("T1", 13.0),
        ("T3", 6.0),
        ("T2", 13.0),
    ]
    assert changes(new, new) == []
    assert [c.transaction_id for c in changes(None, new)] == ["T1", "T2", "T3"]


def test_amps_from_watts():
    assert amps_from_watts(11040, phases=3, voltage=230.0) == 16.0
    assert amps_from_watts(7360, phases=1, voltage=230.0) == 32.0
    with pytest.raises(ValueError):
        amps_from_watts(7360, phases=0)
    with pytest.raises(ValueError):
        amps_from_watts(7360, voltage=0)


# Priority charging (OCPP 2.1 NotifyPriorityCharging).


def test_a_priority_transaction_is_filled_first_and_the_others_keep_their_minimum():
    given = limits(allocate(SITE, [tx(1), tx(2), tx(3, priority=True)], NOW))
    assert given == {"T3": 20.0, "T1": 6.0, "T2": 6.0}


def test_a_priority_transaction_takes_no_more_than_its_cap():
    given = limits(allocate(SITE, [tx(1), tx(2, evse_max=16.0, priority=True)], NOW))
    assert given == {"T1": 16.0, "T2": 16.0}


def test_a_priority_transaction_is_admitted_before_older_ones_when_not_all_fit():
    small = Site(max_current=12.0, min_current=6.0)
    given = limits(allocate(small, [tx(1), tx(2), tx(3, priority=True)], NOW))
    assert given == {"T1": 6.0, "T2": 0.0, "T3": 6.0}


def test_two_priority_transactions_share_fairly_before_the_rest():
    given = limits(allocate(SITE, [tx(1), tx(2, priority=True), tx(3, priority=True)], NOW))
    assert given == {"T1": 6.0, "T2": 13.0, "T3": 13.0}


# What an EV needs by its departure (NotifyEVChargingNeeds: energy amount, departure time).


def test_an_ev_that_needs_more_gets_it_before_the_others_get_more_than_their_minimum():
    given = limits(allocate(SITE, [tx(1), tx(2), tx(3, needed=18.0)], NOW))
    assert given == {"T1": 7.0, "T2": 7.0, "T3": 18.0}


def test_an_ev_that_needs_little_still_gets_its_fair_share():
    given = limits(allocate(SITE, [tx(1), tx(2), tx(3, needed=2.0)], NOW))
    assert given == {"T1": 10.6, "T2": 10.6, "T3": 10.6}


def test_two_needs_that_do_not_both_fit_are_shared_fairly_above_the_minimum():
    given = limits(allocate(SITE, [tx(1), tx(2, needed=30.0), tx(3, needed=30.0)], NOW))
    assert given == {"T1": 6.0, "T2": 13.0, "T3": 13.0}


def test_a_departure_passed_asks_for_the_cap_and_a_need_met_asks_for_nothing_more():
    given = limits(allocate(SITE, [tx(1, needed=0.0), tx(2, evse_max=16.0, needed=math.inf)], NOW))
    assert given == {"T1": 16.0, "T2": 16.0}
    given = limits(allocate(SITE, [tx(1, needed=0.0), tx(2, needed=math.inf)], NOW))
    assert given == {"T1": 6.0, "T2": 26.0}


def test_needs_never_take_the_site_over_its_limit_nor_an_ev_over_its_cap():
    small = Site(max_current=20.0, min_current=6.0)
    given = limits(allocate(small, [tx(1, needed=16.0), tx(2, evse_max=10.0, needed=32.0)], NOW))
    assert given == {"T1": 10.0, "T2": 10.0}
    assert sum(given.values()) <= 20.0


# Property-style: the invariants over many random inputs.


def _random_case(rng: random.Random) -> tuple[Site, list[Transaction], datetime]:
    external = None
    if rng.random() < 0.5:
        until = NOW + timedelta(minutes=rng.randint(-10, 10)) if rng.random() < 0.5 else None
        external = ExternalLimit(
            max_current=round(rng.uniform(0, 80), rng.randint(0, 2)), until=until
        )
    site = Site(
        max_current=round(rng.uniform(0, 80), rng.randint(0, 2)),
        min_current=rng.choice([0.0, 6.0, 6.0, 8.0, 10.0]),
        external=external,
    )
    transactions = [
        Transaction(
            station_id=f"CS{rng.randint(1, 5)}",
            evse_id=rng.randint(1, 2),
            transaction_id=f"T{n:03d}",
            started_at=NOW - timedelta(minutes=rng.randint(0, 30)),
            evse_max=rng.choice([16.0, 32.0, 10.5, 63.0, 16.1]),
            ev_max=round(rng.uniform(1, 40), 2) if rng.random() < 0.3 else None,
            local_limit=round(rng.uniform(0, 40), 1) if rng.random() < 0.2 else None,
            rejected=rng.random() < 0.1,
            priority=rng.random() < 0.2,
            needed=rng.choice([None, None, None, 0.0, 4.0, 13.5, 40.0, math.inf]),
        )
        for n in range(rng.randint(0, 12))
    ]
    return site, transactions, NOW


def _cap(t: Transaction) -> float:
    """Computed here, not taken from the module, so that a wrong cap there is caught."""
    return min(c for c in (t.evse_max, t.ev_max, t.local_limit) if c is not None)


def _limit(site: Site, now: datetime) -> float:
    external = site.external
    if external is None or (external.until is not None and external.until <= now):
        return site.max_current
    return min(site.max_current, external.max_current)


@pytest.mark.parametrize("seed", range(2000))
def test_invariants_hold_for_random_inputs(seed: int) -> None:
    rng = random.Random(seed)
    site, transactions, now = _random_case(rng)
    allocation = allocate(site, transactions, now)
    shuffled = transactions[:]
    rng.shuffle(shuffled)
    assert allocate(site, shuffled, now) == allocation, "deterministic, whatever the order"

    by_id = {t.transaction_id: t for t in transactions}
    limit = floor_tenths(_limit(site, now))
    minimum = tenths(site.min_current)
    got = {lim.transaction_id: tenths(lim.limit) for lim in allocation.limits}
    assert all(abs(lim.limit * 10 - got[lim.transaction_id]) < 1e-9 for lim in allocation.limits)
    reserved = sum(got[t.transaction_id] for t in transactions if t.rejected)
    controlled = [t for t in transactions if not t.rejected]
    if reserved <= limit:
        assert sum(got.values()) <= limit
    for t in transactions:
        if t.rejected:
            assert got[t.transaction_id] * 10 >= t.evse_max * 100 - 1e-6
            continue
        assert got[t.transaction_id] == 0 or got[t.transaction_id] >= minimum
        assert got[t.transaction_id] / 10 <= _cap(t) + 1e-9

    # Newest-first zeroing: among those whose cap allows minCurrent, the zeroed ones are
    # the newest (priority ones counting as older than all others), and one more could not
    # have been given minCurrent.
    order = sorted(
        controlled, key=lambda t: (not t.priority, t.started_at, t.transaction_id, t.station_id)
    )
    eligible = [t for t in order if _cap(t) * 10 >= minimum - 1e-6]
    zeroed = [i for i, t in enumerate(eligible) if got[t.transaction_id] == 0]
    if zeroed and minimum > 0:
        assert zeroed == list(range(zeroed[0], len(eligible)))
        admitted = len(eligible) - len(zeroed)
        assert reserved + (admitted + 1) * minimum > limit

    # Water-filling: capacity left over is less than a tenth per transaction still below its
    # cap, and none of those is given less than anyone else admitted in its group (priority
    # or not); while a priority one is below its cap, the others get about minCurrent only.
    admitted_ids = [t.transaction_id for t in eligible if got[t.transaction_id] > 0]
    below_cap = [i for i in admitted_ids if got[i] < floor_tenths(_cap(by_id[i]))]
    if below_cap and reserved <= limit:
        assert limit - sum(got.values()) < len(below_cap)
    for group in (True, False):
        members = [i for i in admitted_ids if by_id[i].priority is group]
        lagging = [i for i in below_cap if by_id[i].priority is group]
        if any(by_id[i].needed for i in members):
            continue  # what each needs comes first: checked by the tests of needs below
        if lagging and reserved <= limit:
            assert min(got[i] for i in lagging) >= max(got[i] for i in members)
            if group:
                others = [got[i] for i in admitted_ids if not by_id[i].priority]
                assert all(g <= minimum + len(members) for g in others)
