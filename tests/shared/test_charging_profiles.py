"""shared.charging_profiles: each rule refused and accepted at its edge, without sockets.

Every profile goes through the official SetChargingProfileRequest schema first, as in the
API, so the fixtures stay ones a station could receive.
"""

from __future__ import annotations

import copy
from typing import Any

from shared import schemas
from shared.charging_profiles import (
    SITE_PROFILE_IDS,
    HeldProfile,
    Problem,
    StationContext,
    problems,
)

EMPTY = StationContext()


def profile(**changes: Any) -> dict[str, Any]:
    """A TxDefaultProfile, Absolute, 16 A from the start: valid everywhere by default."""
    base: dict[str, Any] = {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": 1,
                "startSchedule": "2026-01-01T00:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    }
    base.update(changes)
    return base


def periods(*items: dict[str, Any], **changes: Any) -> dict[str, Any]:
    result = profile(**changes)
    result["chargingSchedule"][0]["chargingSchedulePeriod"] = list(items)
    return result


def check(evse_id: int, charging_profile: dict[str, Any], context: StationContext = EMPTY):
    request = {"evseId": evse_id, "chargingProfile": charging_profile}
    schemas.validate("SetChargingProfile", "Request", copy.deepcopy(request))
    return problems(evse_id, charging_profile, context)


def rules(found: list[Problem]) -> list[tuple[str | None, str]]:
    return [(p.rule, p.path) for p in found]


def test_the_default_fixture_is_valid_on_the_station_and_on_an_evse():
    assert check(0, profile()) == []
    assert check(1, profile()) == []


# K01.FR.22


def test_external_constraints_are_never_sent_by_the_csms():
    found = check(0, profile(chargingProfilePurpose="ChargingStationExternalConstraints"))
    assert rules(found) == [("K01.FR.22", "chargingProfile.chargingProfilePurpose")]


# K01.FR.28


def test_an_evse_the_station_does_not_have_is_refused():
    context = StationContext(evse_ids=frozenset({1, 2}))
    assert rules(check(3, profile(), context)) == [("K01.FR.28", "evseId")]
    assert check(2, profile(), context) == []
    assert check(0, profile(), context) == []
    assert check(3, profile()) == []  # EVSEs unknown: the station decides


# K01.FR.38


def test_a_charging_station_max_profile_is_for_evse_0_only():
    max_profile = profile(chargingProfilePurpose="ChargingStationMaxProfile")
    assert rules(check(1, max_profile)) == [("K01.FR.38", "evseId")]
    assert check(0, max_profile) == []


def test_a_charging_station_max_profile_is_not_relative():
    relative = profile(
        chargingProfilePurpose="ChargingStationMaxProfile", chargingProfileKind="Relative"
    )
    del relative["chargingSchedule"][0]["startSchedule"]
    assert rules(check(0, relative)) == [("K01.FR.38", "chargingProfile.chargingProfileKind")]
    relative["chargingProfilePurpose"] = "TxDefaultProfile"
    assert check(0, relative) == []


# TxDefaultProfile: evseId 0 means every EVSE (K01.FR.14), > 0 one EVSE (K01.FR.15)


def test_tx_default_profiles_on_evse_0_and_on_an_evse_are_both_accepted_at_the_same_level():
    held = StationContext(held=[HeldProfile(0, profile(id=7))])
    assert check(1, profile(), held) == []


# TxProfile: K01.FR.16, K01.FR.03, K01.FR.09, K01.FR.33


def tx_profile(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"chargingProfilePurpose": "TxProfile", "transactionId": "tx-1"}
    fields.update(changes)
    return profile(**fields)


RUNNING = StationContext(transactions={1: frozenset({"tx-1"})})


def test_a_tx_profile_on_evse_0_is_refused():
    assert rules(check(0, tx_profile(), RUNNING)) == [("K01.FR.16", "evseId")]
    assert check(1, tx_profile(), RUNNING) == []


def test_a_tx_profile_names_its_transaction():
    without = tx_profile()
    del without["transactionId"]
    assert rules(check(1, without, RUNNING)) == [("K01.FR.03", "chargingProfile.transactionId")]


def test_a_tx_profile_needs_a_transaction_running_on_its_evse():
    found = check(2, tx_profile(), RUNNING)
    assert rules(found) == [("K01.FR.09", "chargingProfile.transactionId")]


def test_a_tx_profile_for_another_transaction_than_the_running_one_is_refused():
    found = check(1, tx_profile(transactionId="tx-2"), RUNNING)
    assert rules(found) == [("K01.FR.33", "chargingProfile.transactionId")]


def test_a_transaction_id_only_goes_with_a_tx_profile():
    found = check(1, profile(transactionId="tx-1"), RUNNING)
    assert rules(found) == [(None, "chargingProfile.transactionId")]


# stackLevel


def test_stack_level_is_unique_per_purpose_and_evse():
    context = StationContext(held=[HeldProfile(1, profile(id=7, stackLevel=2))])
    found = check(1, profile(stackLevel=2), context)
    assert rules(found) == [(None, "chargingProfile.stackLevel")]
    assert "profile 7" in found[0].message
    assert check(1, profile(stackLevel=3), context) == []  # another level
    assert check(2, profile(stackLevel=2), context) == []  # another EVSE
    other_purpose = profile(stackLevel=2, chargingProfilePurpose="ChargingStationMaxProfile")
    assert (
        check(0, other_purpose, StationContext(held=[HeldProfile(0, profile(id=7, stackLevel=2))]))
        == []
    )


def test_the_same_id_replaces_and_does_not_conflict():
    context = StationContext(held=[HeldProfile(1, profile(id=1, stackLevel=2))])
    assert check(1, profile(id=1, stackLevel=2), context) == []


def test_same_stack_level_is_fine_when_validity_periods_do_not_overlap():
    winter = profile(id=7, validFrom="2026-01-01T00:00:00Z", validTo="2026-04-01T00:00:00Z")
    context = StationContext(held=[HeldProfile(1, winter)])
    touching = profile(validFrom="2026-04-01T00:00:00Z")
    assert check(1, touching, context) == []
    overlapping = profile(validFrom="2026-03-31T23:59:59Z")
    assert rules(check(1, overlapping, context)) == [(None, "chargingProfile.stackLevel")]


def test_tx_profiles_of_other_transactions_do_not_conflict():
    old = tx_profile(id=7, transactionId="tx-0")
    context = StationContext(held=[HeldProfile(1, old)], transactions=RUNNING.transactions)
    assert check(1, tx_profile(), context) == []
    same = StationContext(
        held=[HeldProfile(1, tx_profile(id=7))], transactions=RUNNING.transactions
    )
    assert rules(check(1, tx_profile(), same)) == [(None, "chargingProfile.stackLevel")]


def test_stack_level_not_above_profile_stack_level_nor_below_0():
    context = StationContext(max_stack_level=3)
    assert check(1, profile(stackLevel=3), context) == []
    assert rules(check(1, profile(stackLevel=4), context)) == [(None, "chargingProfile.stackLevel")]
    assert rules(check(1, profile(stackLevel=-1))) == [(None, "chargingProfile.stackLevel")]


# validity, kind and recurrency


def test_ids_of_the_site_load_management_are_refused():
    assert check(1, profile(id=SITE_PROFILE_IDS - 1)) == []
    assert rules(check(1, profile(id=SITE_PROFILE_IDS + 1))) == [(None, "chargingProfile.id")]


def test_valid_to_comes_after_valid_from():
    same = profile(validFrom="2026-01-01T00:00:00Z", validTo="2026-01-01T00:00:00Z")
    assert rules(check(1, same)) == [(None, "chargingProfile.validTo")]
    later = profile(validFrom="2026-01-01T00:00:00Z", validTo="2026-01-01T00:00:01Z")
    assert check(1, later) == []


def test_recurring_needs_a_recurrency_kind_and_only_recurring_has_one():
    assert rules(check(1, profile(chargingProfileKind="Recurring"))) == [
        (None, "chargingProfile.recurrencyKind")
    ]
    assert check(1, profile(chargingProfileKind="Recurring", recurrencyKind="Daily")) == []
    assert rules(check(1, profile(recurrencyKind="Weekly"))) == [
        (None, "chargingProfile.recurrencyKind")
    ]


def test_absolute_and_recurring_schedules_need_a_start_schedule():
    recurring = profile(chargingProfileKind="Recurring", recurrencyKind="Weekly")
    del recurring["chargingSchedule"][0]["startSchedule"]
    assert rules(check(1, recurring)) == [
        ("K01.FR.40", "chargingProfile.chargingSchedule[0].startSchedule")
    ]


def test_a_relative_schedule_has_no_start_schedule():
    relative = profile(chargingProfileKind="Relative")
    assert rules(check(1, relative)) == [
        ("K01.FR.41", "chargingProfile.chargingSchedule[0].startSchedule")
    ]
    del relative["chargingSchedule"][0]["startSchedule"]
    assert check(1, relative) == []


# schedule periods


def test_the_rate_unit_is_one_the_station_supports():
    amps_only = StationContext(rate_units=frozenset({"A"}))
    watts = profile()
    watts["chargingSchedule"][0]["chargingRateUnit"] = "W"
    assert rules(check(1, watts, amps_only)) == [
        ("K01.FR.26", "chargingProfile.chargingSchedule[0].chargingRateUnit")
    ]
    assert check(1, profile(), amps_only) == []
    assert check(1, watts) == []  # RateUnit unknown: the station decides


def test_the_first_period_starts_at_0():
    found = check(1, periods({"startPeriod": 1, "limit": 16.0}))
    assert rules(found) == [
        ("K01.FR.31", "chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].startPeriod")
    ]


def test_start_periods_ascend_strictly():
    path = "chargingProfile.chargingSchedule[0].chargingSchedulePeriod[2].startPeriod"
    equal = periods(
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 60, "limit": 10.0},
        {"startPeriod": 60, "limit": 6.0},
    )
    assert rules(check(1, equal)) == [("K01.FR.35", path)]
    equal["chargingSchedule"][0]["chargingSchedulePeriod"][2]["startPeriod"] = 61
    assert check(1, equal) == []


def test_no_more_periods_than_periods_per_schedule():
    context = StationContext(periods_per_schedule=2)
    two = periods({"startPeriod": 0, "limit": 16.0}, {"startPeriod": 60, "limit": 6.0})
    assert check(1, two, context) == []
    three = periods(
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 60, "limit": 6.0},
        {"startPeriod": 120, "limit": 8.0},
    )
    assert rules(check(1, three, context)) == [
        (None, "chargingProfile.chargingSchedule[0].chargingSchedulePeriod")
    ]


# phases

PHASE = "chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].phaseToUse"


def test_phase_to_use_only_with_one_phase():
    assert (
        check(1, periods({"startPeriod": 0, "limit": 16.0, "numberPhases": 1, "phaseToUse": 2}))
        == []
    )
    three = periods({"startPeriod": 0, "limit": 16.0, "numberPhases": 3, "phaseToUse": 2})
    assert rules(check(1, three)) == [("K01.FR.19", PHASE)]
    default = periods({"startPeriod": 0, "limit": 16.0, "phaseToUse": 2})
    assert rules(check(1, default)) == [("K01.FR.19", PHASE)]


def test_phase_to_use_is_1_2_or_3():
    four = periods({"startPeriod": 0, "limit": 16.0, "numberPhases": 1, "phaseToUse": 4})
    assert rules(check(1, four)) == [(None, PHASE)]


def test_phase_to_use_needs_ac_phase_switching():
    one = periods({"startPeriod": 0, "limit": 16.0, "numberPhases": 1, "phaseToUse": 1})
    assert rules(check(1, one, StationContext(ac_phase_switching=False))) == [("K01.FR.20", PHASE)]
    assert check(1, one, StationContext(ac_phase_switching=True)) == []


def test_phase_to_use_conflicting_with_a_max_profile_is_refused():
    max_profile = periods(
        {"startPeriod": 0, "limit": 32.0, "numberPhases": 1, "phaseToUse": 1},
        id=9,
        chargingProfilePurpose="ChargingStationMaxProfile",
    )
    context = StationContext(held=[HeldProfile(0, max_profile)])
    other = periods({"startPeriod": 0, "limit": 16.0, "numberPhases": 1, "phaseToUse": 3})
    assert rules(check(1, other, context)) == [(None, PHASE)]
    same = periods({"startPeriod": 0, "limit": 16.0, "numberPhases": 1, "phaseToUse": 1})
    assert check(1, same, context) == []


def test_every_problem_is_reported_at_once():
    bad = periods(
        {"startPeriod": 5, "limit": 16.0},
        chargingProfilePurpose="ChargingStationMaxProfile",
        validFrom="2026-02-01T00:00:00Z",
        validTo="2026-01-01T00:00:00Z",
    )
    found = check(1, bad)
    assert {p.rule for p in found} == {"K01.FR.38", "K01.FR.31", None}
    assert all(p.message for p in found)
