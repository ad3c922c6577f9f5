"""ISO 15118 charging (K15-K17): the TxProfile the CSMS answers an EV's needs with, and
whether the schedule the EV chose stays within what the CSMS sent.

Pure: no I/O, no clock. The handlers read the needs, the transaction, the site's
allocation and the operator's profiles, and call these.

- **A station in no site** (``own_profile``): the CSMS knows only the EV's maximum (AC
  ``evMaxCurrent``, DC ``evMaxPower``) and the EVSE's (``SITE_EVSE_MAX_CURRENT``), so its
  TxProfile for the transaction is the smaller of the two, one period from the start:
  in A per phase for AC (``numberPhases`` 1, 2 or 3 from ``requestedEnergyTransfer``), in W
  for DC (the EVSE maximum as ``3 x voltage x A``; no ``numberPhases``, as the schema asks
  for DC). Same id and stackLevel as the site load management's (``SITE_PROFILE_IDS +
  evseId``, ``SITE_PROFILE_STACK_LEVEL``). One schedule of one period, so within any
  ``maxScheduleTuples``.
- **The check** (``periods_above``, K15.FR.11/12, K16.FR.06/07, K17.FR.11/12): at every
  moment the station obeys, of the TxProfiles for the transaction, the one in force with
  the highest stackLevel (the site's or the CSMS's own one above, and those the operator set
  through the API). Each period of the EV's schedule is compared with that limit at its
  start and wherever a profile's limit changes within it. A relative profile counts from
  the EV schedule's ``timeBase`` (the station hands the EV its schedule relative to then);
  a recurring one is read for the recurrence its moment falls in. Amounts in W become A
  per phase with the period's ``numberPhases`` (else the site's) and ``voltage``; 0.1 A of
  slack, the step the site's limits are computed in. Of several schedules in one profile
  (ISO 15118 SAScheduleTuples), the one with the EV schedule's ``id``, else the highest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared import timestamps
from shared.charging_profiles import csms_tx_profile
from shared.site_allocation import amps_from_watts

DEFAULT_PHASES = 3
DEFAULT_VOLTAGE = 230.0
SLACK = 0.1
RECURRENCE = {"Daily": timedelta(days=1), "Weekly": timedelta(weeks=1)}
PHASES = {"AC_single_phase": 1, "AC_two_phase": 2, "AC_three_phase": 3}


def own_profile(
    needs: Mapping[str, Any],
    evse_id: int,
    transaction_id: str,
    evse_max: float,
    stack_level: int,
    voltage: float = DEFAULT_VOLTAGE,
) -> dict[str, Any]:
    """SetChargingProfile for a transaction of a station in no site, from the EV's
    ``chargingNeeds``: the smaller of the EV's maximum and the EVSE's."""
    mode = needs["requestedEnergyTransfer"]
    period: dict[str, Any]
    if mode == "DC":
        unit, limit = "W", evse_max * DEFAULT_PHASES * voltage
        ev = (needs.get("dcChargingParameters") or {}).get("evMaxPower")
        period = {"startPeriod": 0, "limit": _tenth(min(limit, ev) if ev is not None else limit)}
    else:
        unit, limit = "A", evse_max
        ev = (needs.get("acChargingParameters") or {}).get("evMaxCurrent")
        period = {
            "startPeriod": 0,
            "limit": _tenth(min(limit, ev) if ev is not None else limit),
            "numberPhases": PHASES.get(mode, DEFAULT_PHASES),
        }
    return csms_tx_profile(evse_id, transaction_id, stack_level, unit, period)


def _tenth(value: float) -> float:
    """Rounded down to 0.1 (a limit "accepts at most one digit fraction")."""
    return math.floor(round(value * 10, 6)) / 10


@dataclass(frozen=True)
class _Window:
    """One schedule of a profile placed in time: where it starts and what bounds it."""

    schedule: Mapping[str, Any]
    start: datetime
    valid_from: datetime | None
    valid_to: datetime | None


def _window(
    profile: Mapping[str, Any], schedule: Mapping[str, Any], time_base: datetime, at: datetime
) -> _Window:
    start_text = schedule.get("startSchedule")
    start = time_base if start_text is None else timestamps.parse(start_text)
    every = RECURRENCE.get(profile.get("recurrencyKind") or "")
    if profile.get("chargingProfileKind") == "Recurring" and every is not None and at >= start:
        start += every * ((at - start) // every)
    valid_from, valid_to = profile.get("validFrom"), profile.get("validTo")
    return _Window(
        schedule,
        start,
        None if valid_from is None else timestamps.parse(valid_from),
        None if valid_to is None else timestamps.parse(valid_to),
    )


def _amps(period: Mapping[str, Any], unit: str, phases: int, voltage: float) -> float:
    limit = float(period["limit"])
    if unit == "W":
        return amps_from_watts(limit, period.get("numberPhases", phases), voltage)
    return limit


def _limit_at(w: _Window, at: datetime, phases: int, voltage: float) -> float | None:
    """The limit (A per phase) the schedule sets at ``at``; None outside it."""
    if (w.valid_from is not None and at < w.valid_from) or (
        w.valid_to is not None and at >= w.valid_to
    ):
        return None
    elapsed = (at - w.start).total_seconds()
    duration = w.schedule.get("duration")
    if elapsed < 0 or (duration is not None and elapsed >= duration):
        return None
    current = None
    for period in sorted(w.schedule["chargingSchedulePeriod"], key=lambda p: p["startPeriod"]):
        if period["startPeriod"] > elapsed:
            break
        current = period
    if current is None:
        return None
    return _amps(current, w.schedule["chargingRateUnit"], phases, voltage)


def _boundaries(w: _Window) -> list[datetime]:
    """Where the schedule's limit may change."""
    moments = [
        w.start + timedelta(seconds=p["startPeriod"]) for p in w.schedule["chargingSchedulePeriod"]
    ]
    if w.schedule.get("duration") is not None:
        moments.append(w.start + timedelta(seconds=w.schedule["duration"]))
    return moments + [m for m in (w.valid_from, w.valid_to) if m is not None]


def _schedules(profile: Mapping[str, Any], schedule_id: int | None) -> Sequence[Mapping[str, Any]]:
    schedules: Sequence[Mapping[str, Any]] = profile["chargingSchedule"]
    chosen = [s for s in schedules if s.get("id") == schedule_id]
    return chosen or schedules


def limit_at(
    profiles: Iterable[Mapping[str, Any]],
    at: datetime,
    time_base: datetime,
    schedule_id: int | None = None,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> float | None:
    """The limit (A per phase) the station obeys at ``at``: that of the TxProfile in force
    with the highest stackLevel (the smallest, should two share it); None: none in force."""
    best: tuple[int, float] | None = None
    for profile in profiles:
        limits = [
            amps
            for s in _schedules(profile, schedule_id)
            if (amps := _limit_at(_window(profile, s, time_base, at), at, phases, voltage))
            is not None
        ]
        if not limits:
            continue
        candidate = (profile["stackLevel"], max(limits))
        if (
            best is None
            or candidate[0] > best[0]
            or (candidate[0] == best[0] and candidate[1] < best[1])
        ):
            best = candidate
    return None if best is None else best[1]


def periods_above(
    schedule: Mapping[str, Any],
    time_base: datetime,
    profiles: Sequence[Mapping[str, Any]],
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> list[int]:
    """The ``startPeriod`` of every period of the EV's ChargingScheduleType (relative to
    ``time_base``) that goes above the TxProfiles the CSMS sent for its transaction."""
    periods = sorted(schedule["chargingSchedulePeriod"], key=lambda p: p["startPeriod"])
    duration = schedule.get("duration")
    above = []
    for i, period in enumerate(periods):
        begins = time_base + timedelta(seconds=period["startPeriod"])
        end_s = periods[i + 1]["startPeriod"] if i + 1 < len(periods) else duration
        ends = None if end_s is None else time_base + timedelta(seconds=end_s)
        moments = {begins}
        for profile in profiles:
            for s in _schedules(profile, schedule.get("id")):
                for at in (begins, *([] if ends is None else [ends - timedelta(seconds=1)])):
                    moments.update(
                        m
                        for m in _boundaries(_window(profile, s, time_base, at))
                        if begins < m and (ends is None or m < ends)
                    )
        amps = _amps(period, schedule["chargingRateUnit"], phases, voltage)
        for at in sorted(moments):
            limit = limit_at(profiles, at, time_base, schedule.get("id"), phases, voltage)
            if limit is not None and amps > limit + SLACK:
                above.append(int(period["startPeriod"]))
                break
    return above
