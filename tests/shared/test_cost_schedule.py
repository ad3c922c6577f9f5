"""shared/cost_schedule.py: which running transactions are due a CostUpdated, and what
they cost at now, without a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared import cost_schedule, names
from shared.cost_schedule import Due
from shared.tariffs import Tariff

INTERVAL = 60
NOW = datetime(2026, 12, 3, 12, 0, 30, tzinfo=UTC)
PER_MINUTE = {
    "tariffId": "T1",
    "currency": "EUR",
    "pricePerKWh": "0.3",
    "pricePerMinute": "0.05",
    "sessionFee": "1.0",
}


def summary(**fields: Any) -> dict[str, Any]:
    doc = {
        "station": "CS1",
        "transactionId": "TX1",
        "tariff": PER_MINUTE,
        "costsOff": False,
        "ocppVersion": names.OCPP201,
        "startedAt": NOW - timedelta(minutes=10),
        "meterStartWh": 1000.0,
        "meterLastWh": 6000.0,
    }
    return doc | fields


def test_a_period_is_an_interval_of_epoch_seconds():
    assert cost_schedule.period(NOW, INTERVAL) == int(NOW.timestamp()) // 60
    later = NOW + timedelta(seconds=29)
    assert cost_schedule.period(later, INTERVAL) == cost_schedule.period(NOW, INTERVAL)
    assert cost_schedule.period(later + timedelta(seconds=1), INTERVAL) == (
        cost_schedule.period(NOW, INTERVAL) + 1
    )


def test_due_once_the_last_cost_update_and_the_start_are_an_interval_old():
    assert cost_schedule.is_due(NOW, INTERVAL, None)
    assert cost_schedule.is_due(NOW, INTERVAL, NOW - timedelta(seconds=60))
    assert not cost_schedule.is_due(NOW, INTERVAL, NOW - timedelta(seconds=59))
    assert not cost_schedule.is_due(NOW, INTERVAL, None, since=NOW - timedelta(seconds=10))
    assert cost_schedule.is_due(NOW, INTERVAL, None, since=NOW - timedelta(seconds=60))


def test_the_running_cost_counts_the_last_reading_and_the_time_until_now():
    tariff = Tariff.from_doc(PER_MINUTE)
    # 1.00 + 5 kWh x 0.30 + 10 min x 0.05
    assert cost_schedule.running_cost(tariff, summary(), NOW) == Decimal("3.00")
    # a minute later, no new reading: the time still counts
    later = NOW + timedelta(minutes=1)
    assert cost_schedule.running_cost(tariff, summary(), later) == Decimal("3.05")
    no_readings = summary(meterStartWh=None, meterLastWh=None)
    assert cost_schedule.running_cost(tariff, no_readings, NOW) == Decimal("1.50")
    ahead = summary(startedAt=NOW + timedelta(minutes=5))  # a station clock ahead: 0 minutes
    assert cost_schedule.running_cost(tariff, ahead, NOW) == Decimal("2.50")


def test_the_sweep_sends_to_due_transactions_of_connected_stations():
    assert cost_schedule.due_now([summary()], {}, {"CS1"}, NOW, INTERVAL) == [
        Due("CS1", "TX1", Decimal("3.00"))
    ]


def test_the_sweep_skips_what_is_not_due_or_not_sent_costs():
    recent = {("CS1", "TX1"): NOW - timedelta(seconds=30)}
    assert cost_schedule.due_now([summary()], recent, {"CS1"}, NOW, INTERVAL) == []
    assert cost_schedule.due_now([summary()], {}, set(), NOW, INTERVAL) == []  # offline
    skipped = [
        summary(startedAt=NOW - timedelta(seconds=5)),  # started less than an interval ago
        summary(costsOff=True),  # turned off, or the 2.1 station computes it itself
        summary(tariff=None),
        summary(ocppVersion=names.OCPP16),  # 1.6 has no CostUpdated
        summary(endedAt=NOW),
    ]
    assert cost_schedule.due_now(skipped, {}, {"CS1"}, NOW, INTERVAL) == []
    older = {("CS1", "TX1"): NOW - timedelta(seconds=61)}
    assert len(cost_schedule.due_now([summary()], older, {"CS1"}, NOW, INTERVAL)) == 1
