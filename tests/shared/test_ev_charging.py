"""The CSMS's answer to an EV's needs outside a site, and the check of the EV's schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.charging_profiles import SITE_PROFILE_IDS
from shared.ev_charging import limit_at, own_profile, periods_above

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def ac(ev_max: float | None, mode: str = "AC_three_phase") -> dict[str, Any]:
    needs: dict[str, Any] = {"requestedEnergyTransfer": mode}
    if ev_max is not None:
        needs["acChargingParameters"] = {
            "energyAmount": 20000,
            "evMinCurrent": 6,
            "evMaxCurrent": ev_max,
            "evMaxVoltage": 400,
        }
    return needs


def tx(limit: float, stack: int = 1, unit: str = "A", **fields: Any) -> dict[str, Any]:
    schedule = {
        "id": 1,
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    schedule.update(fields.pop("schedule", {}))
    return {
        "id": 7,
        "stackLevel": stack,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "transactionId": "TX",
        "chargingSchedule": [schedule],
        **fields,
    }


def ev(*periods: tuple[int, float], unit: str = "A", **fields: Any) -> dict[str, Any]:
    return {
        "id": 1,
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": s, "limit": x} for s, x in periods],
        **fields,
    }


def test_outside_a_site_the_profile_is_the_smaller_of_the_ev_and_evse_maximum():
    payload = own_profile(ac(40), 2, "TX-1", 32.0, 1)
    profile = payload["chargingProfile"]
    assert payload["evseId"] == 2 and profile["id"] == SITE_PROFILE_IDS + 2
    assert (profile["chargingProfilePurpose"], profile["transactionId"]) == ("TxProfile", "TX-1")
    assert profile["chargingSchedule"] == [
        {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0, "numberPhases": 3}],
        }
    ]
    period = own_profile(ac(16, "AC_single_phase"), 1, "TX", 32.0, 1)["chargingProfile"][
        "chargingSchedule"
    ][0]["chargingSchedulePeriod"][0]
    assert period == {"startPeriod": 0, "limit": 16.0, "numberPhases": 1}


def test_without_an_ev_maximum_the_evse_maximum_is_sent():
    schedule = own_profile(ac(None), 1, "TX", 32.0, 1)["chargingProfile"]["chargingSchedule"][0]
    assert schedule["chargingSchedulePeriod"][0]["limit"] == 32.0


def test_a_dc_ev_gets_watts_without_phases():
    needs = {
        "requestedEnergyTransfer": "DC",
        "dcChargingParameters": {"evMaxCurrent": 200, "evMaxVoltage": 800, "evMaxPower": 11000},
    }
    schedule = own_profile(needs, 1, "TX", 32.0, 1)["chargingProfile"]["chargingSchedule"][0]
    assert schedule["chargingRateUnit"] == "W"
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 11000.0}]
    needs["dcChargingParameters"]["evMaxPower"] = 150000
    schedule = own_profile(needs, 1, "TX", 32.0, 1)["chargingProfile"]["chargingSchedule"][0]
    assert schedule["chargingSchedulePeriod"][0]["limit"] == 22080.0  # 32 A x 3 x 230 V


def test_the_profile_s_own_schedule_echoed_is_within_and_more_is_above():
    sent = [own_profile(ac(None), 1, "TX", 32.0, 1)["chargingProfile"]]
    echoed = sent[0]["chargingSchedule"][0]
    assert periods_above(echoed, T0, sent) == []
    assert periods_above(ev((0, 16.0), (600, 32.1), (1200, 40.0)), T0, sent) == [1200]


def test_the_highest_stack_level_in_force_governs():
    site, operator = tx(16.0, stack=1), tx(10.0, stack=2)
    assert limit_at([site, operator], T0, T0) == 10.0
    assert periods_above(ev((0, 12.0)), T0, [site, operator]) == [0]
    # The operator's profile ends after 10 minutes: the site's 16 A holds from then.
    operator = tx(10.0, stack=2, schedule={"duration": 600})
    assert periods_above(ev((0, 10.0), (600, 16.0)), T0, [site, operator]) == []
    assert periods_above(ev((0, 10.0), (300, 16.0)), T0, [site, operator]) == [300]


def test_a_limit_change_inside_an_ev_period_is_seen():
    sent = [
        tx(
            0,
            schedule={
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0},
                    {"startPeriod": 900, "limit": 8.0},
                ]
            },
        )
    ]
    assert periods_above(ev((0, 16.0)), T0, sent) == [0]  # 16 A runs past 900 s
    assert periods_above(ev((0, 16.0), (900, 8.0)), T0, sent) == []
    assert periods_above(ev((0, 16.0), duration=900), T0, sent) == []


def test_an_absolute_profile_counts_from_its_start_and_watts_become_amps():
    schedule = {
        "startSchedule": "2026-12-01T12:30:00Z",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
    }
    sent = [tx(0, schedule=schedule, chargingProfileKind="Absolute")]
    # Before 12:30 nothing limits; from then 6 A.
    assert periods_above(ev((0, 20.0), (1800, 6.0)), T0, sent) == []
    assert periods_above(ev((0, 20.0)), T0, sent) == [0]
    # 11040 W over three phases at 230 V is 16 A.
    assert periods_above(ev((0, 11040.0), unit="W"), T0, [tx(16.0)]) == []
    assert periods_above(ev((0, 11500.0), unit="W"), T0, [tx(16.0)]) == [0]


def test_nothing_sent_limits_nothing():
    assert periods_above(ev((0, 80.0)), T0, []) == []


def test_a_daily_profile_is_read_in_the_recurrence_its_moment_falls_in():
    schedule = {
        "startSchedule": "2026-11-01T00:00:00Z",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 32.0},
            {"startPeriod": 13 * 3600, "limit": 8.0},  # from 13:00 every day
        ],
    }
    daily = tx(0, schedule=schedule, chargingProfileKind="Recurring", recurrencyKind="Daily")
    assert limit_at([daily], T0, T0) == 32.0
    assert periods_above(ev((0, 32.0)), T0, [daily]) == [0]  # runs past 13:00
    assert periods_above(ev((0, 32.0), (3600, 8.0)), T0, [daily]) == []
