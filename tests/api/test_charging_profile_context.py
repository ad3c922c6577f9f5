"""api.charging_profile_context: what the stored documents and device model values tell the
K01 checks, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from api.charging_profile_context import (
    boolean,
    context,
    non_negative,
    rate_units,
    running_by_evse,
)
from shared.charging_profiles import HeldProfile


@pytest.mark.parametrize(
    ("value", "units"),
    [
        ("A,W", {"A", "W"}),
        ("W", {"W"}),
        (" A , W ", {"A", "W"}),
        ("A,kW", {"A"}),
        ("", None),
        ("kW", None),
        (None, None),
    ],
)
def test_rate_unit_is_a_member_list_of_a_and_w(value: str | None, units: set[str] | None):
    assert rate_units(value) == (frozenset(units) if units is not None else None)


@pytest.mark.parametrize(
    ("value", "number"), [("5", 5), ("0", 0), ("-1", None), ("x", None), (None, None)]
)
def test_counts_that_do_not_parse_are_unknown(value: str | None, number: int | None):
    assert non_negative(value) == number


@pytest.mark.parametrize(
    ("value", "flag"),
    [("true", True), ("False", False), (" TRUE ", True), ("1", None), (None, None)],
)
def test_device_model_booleans(value: str | None, flag: bool | None):
    assert boolean(value) is flag


def test_transactions_are_grouped_by_evse_and_those_without_one_left_out():
    running = [
        {"transactionId": "T1", "evseId": 1},
        {"transactionId": "T2", "evseId": 1},
        {"transactionId": "T3", "evseId": 2},
        {"transactionId": "T4"},
    ]
    assert running_by_evse(running) == {1: frozenset({"T1", "T2"}), 2: frozenset({"T3"})}


def _doc(profile_id: int, evse_id: int) -> dict[str, Any]:
    return {"profileId": profile_id, "evseId": evse_id, "chargingProfile": {"id": profile_id}}


def test_the_profile_being_replaced_is_not_held_and_unknowns_stay_none():
    found = context([_doc(1, 0), _doc(2, 1)], 2, [], {}, frozenset())
    assert found.held == [HeldProfile(0, {"id": 1})]
    assert found.transactions == {}
    assert (found.rate_units, found.evse_ids, found.periods_per_schedule) == (None, None, None)
    assert (found.max_stack_level, found.ac_phase_switching) == (None, None)


def test_device_model_values_reach_the_context():
    values = {
        "RateUnit": "A,W",
        "PeriodsPerSchedule": "24",
        "ProfileStackLevel": "8",
        "ACPhaseSwitchingSupported": "false",
    }
    found = context([], 1, [{"transactionId": "T", "evseId": 2}], values, frozenset({1, 2}))
    assert found.rate_units == frozenset({"A", "W"}) and found.evse_ids == frozenset({1, 2})
    assert (found.periods_per_schedule, found.max_stack_level) == (24, 8)
    assert found.ac_phase_switching is False and found.transactions == {2: frozenset({"T"})}


def test_tx_profiles_of_ended_transactions_are_not_held():
    def tx(profile_id: int, transaction_id: str) -> dict[str, Any]:
        profile = {"id": profile_id, "chargingProfilePurpose": "TxProfile"}
        return {
            "profileId": profile_id,
            "evseId": 1,
            "chargingProfile": {**profile, "transactionId": transaction_id},
        }

    running = [{"transactionId": "LIVE", "evseId": 1}]
    found = context([tx(1, "LIVE"), tx(2, "ENDED")], 0, running, {}, frozenset())
    assert [h.profile["id"] for h in found.held] == [1]


def test_a_site_station_s_transactions_hold_the_site_s_tx_profile_at_its_level():
    from shared.charging_profiles import SITE_PROFILE_IDS, problems

    running = [{"transactionId": "T1", "evseId": 1}, {"transactionId": "T0", "evseId": None}]
    on_site = context([], 0, running, {}, frozenset(), site_stack_level=0)
    assert [(h.evse_id, h.profile["id"]) for h in on_site.held] == [(1, SITE_PROFILE_IDS + 1)]
    assert context([], 0, running, {}, frozenset()).held == []

    operator_tx = {
        "id": 7,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "transactionId": "T1",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 8}],
            }
        ],
    }
    found = problems(1, operator_tx, on_site)
    assert [p.path for p in found] == ["chargingProfile.stackLevel"]
    assert str(SITE_PROFILE_IDS + 1) in found[0].message
    assert problems(1, {**operator_tx, "stackLevel": 1}, on_site) == []
