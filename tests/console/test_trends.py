"""The dashboard's trends, without the store: energy spread over each session's time,
sessions started per hour, sessions running at each hour's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.console import trends

NOW = datetime(2026, 12, 3, 10, 30, tzinfo=UTC)


def tx(start: datetime, end: datetime | None, wh: float, last: datetime | None = None) -> dict:
    doc = {"startedAt": start, "lastEventAt": last or end or start}
    doc |= {"meterStartWh": 1000.0, "meterLastWh": 1000.0 + wh}
    return doc if end is None else doc | {"endedAt": end}


def test_a_session_s_energy_is_spread_over_the_hours_it_ran():
    # 09:00 to 10:00, 6 kWh: all in the 09:00 hour (index 22 of 24; 10:00 is the last).
    seen = trends.compute(
        [tx(NOW.replace(hour=9, minute=0), NOW.replace(hour=10, minute=0), 6000)], NOW
    )
    assert seen.energy_wh[22] == pytest.approx(6000) and seen.energy_wh[23] == 0
    assert seen.started[22] == 1 and sum(seen.started) == 1
    assert seen.energy_today_wh == pytest.approx(6000)
    assert seen.first_hour == NOW.replace(hour=11, minute=0) - timedelta(days=1)


def test_a_session_across_midnight_counts_today_only_its_share():
    start = NOW.replace(hour=0, minute=0) - timedelta(hours=1)
    seen = trends.compute([tx(start, start + timedelta(hours=2), 4000)], NOW)
    assert seen.energy_today_wh == pytest.approx(2000)
    assert sum(seen.energy_wh) == pytest.approx(4000)


def test_running_sessions_count_until_now_and_ended_ones_until_their_end():
    running = tx(NOW - timedelta(hours=2, minutes=45), None, 3000, last=NOW)  # from 07:45
    ended = tx(NOW - timedelta(hours=3), NOW - timedelta(hours=2, minutes=15), 500)  # 07:30-08:15
    seen = trends.compute([running, ended], NOW)
    assert seen.charging[-1] == 1  # now, 10:30: only the running one
    assert seen.charging[-3] == 1  # 09:00: the running one
    assert seen.charging[-4] == 2  # 08:00: both
    assert seen.charging[-5] == 0  # 07:00: neither yet
    assert seen.started[-4] == 2


def test_no_energy_without_both_meter_readings_and_an_instant_session_lands_in_its_hour():
    no_meter = {"startedAt": NOW - timedelta(minutes=5)}
    instant = tx(NOW - timedelta(minutes=20), NOW - timedelta(minutes=20), 700)
    seen = trends.compute([no_meter, instant, {"endedAt": NOW}], NOW)
    assert sum(seen.energy_wh) == pytest.approx(700) and seen.energy_wh[-1] == pytest.approx(700)
    assert sum(seen.started) == 2


def test_the_sparkline_scales_to_the_largest_value():
    assert (
        trends.sparkline([0.0, 5.0, 10.0], width=100, height=40)
        == "M0.0,38.0 L50.0,20.0 L100.0,2.0"
    )
    assert trends.sparkline([0.0, 0.0]) == "M0.0,38.0 L240.0,38.0"
    assert trends.sparkline([]) == ""
