"""What the site allocation is given, from stored documents (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared import site_inputs
from shared.site_allocation import ExternalLimit, Site

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def needs(received: datetime, **charging: object) -> dict[str, object]:
    return {"station": "CS1", "evseId": 1, "receivedAt": received, "chargingNeeds": charging}


def test_a_site_with_and_without_an_external_limit() -> None:
    doc = {"maxCurrent": 200.0, "minCurrent": 6.0}
    assert site_inputs.site(doc, None) == Site(200.0, 6.0, None)
    limit = {"maxCurrent": 120.0, "until": T0}
    assert site_inputs.site(doc, limit) == Site(200.0, 6.0, ExternalLimit(120.0, T0))


def test_ac_needs_give_the_ev_maximum_current() -> None:
    doc = needs(T0, acChargingParameters={"evMaxCurrent": 10, "energyAmount": 1})
    assert site_inputs.ev_max(doc, T0) == 10.0


def test_dc_needs_give_the_power_as_current_per_phase() -> None:
    doc = needs(T0, dcChargingParameters={"evMaxPower": 6900, "evMaxCurrent": 200})
    assert site_inputs.ev_max(doc, T0, phases=3, voltage=230.0) == pytest.approx(10.0)
    assert site_inputs.ev_max(doc, T0, phases=1, voltage=230.0) == pytest.approx(30.0)
    assert site_inputs.ev_max(needs(T0, dcChargingParameters={"evMaxCurrent": 200}), T0) is None


def test_needs_of_an_earlier_car_on_the_evse_do_not_count() -> None:
    doc = needs(T0, acChargingParameters={"evMaxCurrent": 10})
    started = T0 + site_inputs.NEEDS_BEFORE_START
    assert site_inputs.ev_max(doc, started) == 10.0  # just in time
    assert site_inputs.ev_max(doc, started + timedelta(seconds=1)) is None
    assert site_inputs.ev_max(None, T0) is None


def schedule(**fields: object) -> dict[str, object]:
    return {
        "id": 1,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 16.0},
            {"startPeriod": 600, "limit": 8.0},
        ],
        **fields,
    }


def test_a_relative_schedule_counts_from_when_it_was_reported() -> None:
    assert site_inputs.schedule_limit(schedule(), T0, T0) == 16.0
    assert site_inputs.schedule_limit(schedule(), T0, T0 + timedelta(seconds=599)) == 16.0
    assert site_inputs.schedule_limit(schedule(), T0, T0 + timedelta(seconds=600)) == 8.0


def test_an_absolute_schedule_limits_only_within_its_start_and_duration() -> None:
    absolute = schedule(startSchedule="2026-12-03T12:10:00Z", duration=1200)
    assert site_inputs.schedule_limit(absolute, T0, T0) is None  # not begun
    assert site_inputs.schedule_limit(absolute, T0, T0 + timedelta(minutes=10)) == 16.0
    assert site_inputs.schedule_limit(absolute, T0, T0 + timedelta(minutes=29)) == 8.0
    assert site_inputs.schedule_limit(absolute, T0, T0 + timedelta(minutes=30)) is None


def test_a_schedule_in_watts_becomes_amperes_per_phase() -> None:
    watts = {
        "id": 1,
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11040.0}],
    }
    assert site_inputs.schedule_limit(watts, T0, T0) == pytest.approx(16.0)
    watts["chargingSchedulePeriod"] = [{"startPeriod": 0, "limit": 3680.0, "numberPhases": 1}]
    assert site_inputs.schedule_limit(watts, T0, T0) == pytest.approx(16.0)


def test_station_limits_keep_the_smallest_per_evse_and_ignore_ones_without_schedule() -> None:
    docs = [
        {"station": "CS1", "evseId": 1, "receivedAt": T0, "chargingSchedule": [schedule()]},
        {
            "station": "CS1",
            "evseId": 1,
            "receivedAt": T0,
            "chargingSchedule": [
                schedule(chargingSchedulePeriod=[{"startPeriod": 0, "limit": 12}])
            ],
        },
        {"station": "CS1", "evseId": None, "receivedAt": T0, "chargingSchedule": [schedule()]},
        {"station": "CS2", "evseId": 2, "receivedAt": T0, "chargingSchedule": None},
    ]
    assert site_inputs.station_limits(docs, T0) == {("CS1", 1): 12.0, ("CS1", 0): 16.0}


def test_transactions_combine_needs_limits_and_refusals() -> None:
    running = [
        {"station": "CS1", "transactionId": "T1", "evseId": 1, "startedAt": T0},
        {"station": "CS1", "transactionId": "T2", "evseId": 2, "startedAt": T0},
        {"station": "CS2", "transactionId": "T3", "startedAt": T0},  # no EVSE: left out
    ]
    ev = [needs(T0, acChargingParameters={"evMaxCurrent": 10})]
    limits = {("CS1", 0): 20.0, ("CS1", 2): 14.0}
    found = site_inputs.transactions(running, ev, limits, {("CS1", "T2")}, 32.0)
    assert [(t.transaction_id, t.ev_max, t.local_limit, t.rejected) for t in found] == [
        ("T1", 10.0, 20.0, False),
        ("T2", None, 14.0, True),
    ]
    assert all(t.evse_max == 32.0 for t in found)


def test_of_several_transactions_not_ended_on_one_evse_only_the_newest_counts() -> None:
    later = T0 + timedelta(hours=3)
    running = [
        {"station": "CS1", "transactionId": "NEW", "evseId": 1, "startedAt": later},
        {"station": "CS1", "transactionId": "STALE", "evseId": 1, "startedAt": T0},
        {"station": "CS1", "transactionId": "OTHER", "evseId": 2, "startedAt": T0},
        {"station": "CS2", "transactionId": "ELSEWHERE", "evseId": 1, "startedAt": T0},
    ]
    found = site_inputs.transactions(running, [], {}, set(), 32.0)
    assert sorted(t.transaction_id for t in found) == ["ELSEWHERE", "NEW", "OTHER"]


def test_an_ev_schedule_is_compared_with_the_limit_in_its_own_unit() -> None:
    amps = {
        "id": 1,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 16.1},
            {"startPeriod": 60, "limit": 16.2},
            {"startPeriod": 120, "limit": 8},
        ],
    }
    assert site_inputs.periods_above(amps, 16.0) == [60]  # 0.1 A of slack
    watts = {
        "id": 1,
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 11040.0},  # 16 A on 3 phases at 230 V
            {"startPeriod": 60, "limit": 11500.0},
            {"startPeriod": 120, "limit": 3680.0, "numberPhases": 1},  # 16 A on one
        ],
    }
    assert site_inputs.periods_above(watts, 16.0) == [60]


# --- what an EV needs by its departure ----------------------------------------------------


def departing(hours: float, energy_wh: float, received: datetime = T0) -> dict[str, object]:
    return {
        **needs(received, acChargingParameters={"energyAmount": energy_wh, "evMaxCurrent": 32}),
        "departureAt": T0 + timedelta(hours=hours),
    }


def running(start_wh: float | None = None, last_wh: float | None = None) -> dict[str, object]:
    return {"startedAt": T0, "meterStartWh": start_wh, "meterLastWh": last_wh}


def test_the_current_needed_delivers_what_is_left_by_the_departure():
    # 13.8 kWh in 2 h = 6.9 kW = 10 A on three phases at 230 V.
    assert site_inputs.needed_current(departing(2, 13_800), running(), T0) == pytest.approx(10.0)
    # Half of it already delivered: 5 A.
    half = site_inputs.needed_current(departing(2, 13_800), running(1000, 7900), T0)
    assert half == pytest.approx(5.0)


def test_a_need_met_asks_nothing_and_a_departure_passed_asks_everything():
    assert site_inputs.needed_current(departing(2, 5000), running(0, 6000), T0) == 0.0
    late = T0 + timedelta(hours=3)
    assert site_inputs.needed_current(departing(2, 5000), running(0, 100), late) == float("inf")


def test_no_departure_no_amount_or_another_cars_needs_say_nothing():
    without = needs(T0, acChargingParameters={"energyAmount": 5000, "evMaxCurrent": 32})
    assert site_inputs.needed_current(without, running(), T0) is None
    assert site_inputs.needed_current(None, running(), T0) is None
    old = departing(2, 5000, received=T0 - timedelta(hours=1))  # the previous car's
    assert site_inputs.needed_current(old, running(), T0) is None


def test_transactions_carry_what_their_ev_needs_when_given_the_time():
    doc = {"station": "CS1", "evseId": 1, "transactionId": "T1", **running()}
    evse_needs = {"station": "CS1", "evseId": 1, **departing(2, 13_800)}
    [timed] = site_inputs.transactions([doc], [evse_needs], {}, set(), 32.0, now=T0)
    [untimed] = site_inputs.transactions([doc], [evse_needs], {}, set(), 32.0)
    assert timed.needed == pytest.approx(10.0) and untimed.needed is None
