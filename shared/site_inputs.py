"""What the site allocation (``shared.site_allocation``) is given, read from stored documents.

Pure: the site driver reads the documents and the clock, this module decides what they
mean for the allocation. Kept apart from the allocation itself, which knows nothing of
OCPP messages or of how they are stored.

- **The site**: its definition (``PUT /sites/{id}``) and its external limit (``PUT
  /sites/{id}/limit``), currents in A per phase.
- **A transaction's EVSE maximum**: the site's ``evseMaxCurrent``, else the configured
  default (``SITE_EVSE_MAX_CURRENT``).
- **The EV's maximum** (NotifyEVChargingNeeds): ``evMaxCurrent`` for AC; for DC,
  ``evMaxPower`` taken from the grid as a current per phase (``amps_from_watts``). Needs
  are kept per EVSE and carry no transaction id, so the last needs of an EVSE count for a
  transaction only when they arrived at most ``NEEDS_BEFORE_START`` before it started (ISO
  15118 sends them once the cable is in, which may be a little before or any time after
  the transaction starts): the needs of the previous car on that EVSE do not limit the next.
- **What the EV needs by its departure** (NotifyEVChargingNeeds with ``departureTime`` and an
  ``energyAmount``): the current per phase that delivers what is left of that energy in the
  time left (``needed_current``). What is left is the amount less what the transaction has
  delivered since it started (its energy register), as ISO 15118 sends the needs once the
  cable is in; needs sent again later in the session (a renegotiation) are counted from the
  start too, which understates what is left. A departure passed asks for the EV's cap.
- **A station's own limit** (NotifyChargingLimit with a schedule): the limit of the
  schedule's period in force now, for the EVSE it names or for every EVSE of the station
  (evseId 0); several limits: the smallest. A schedule in W becomes A per phase with its
  period's ``numberPhases`` (else the site's phases). A relative schedule (no
  ``startSchedule``) counts from when the station reported it. A limit without a schedule
  says nothing we can compute with, so it does not limit the allocation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from shared import timestamps
from shared.site_allocation import ExternalLimit, Key, Site, Transaction, amps_from_watts

NEEDS_BEFORE_START = timedelta(seconds=60)
DEFAULT_PHASES = 3
DEFAULT_VOLTAGE = 230.0


def site(doc: Mapping[str, Any], limit: Mapping[str, Any] | None) -> Site:
    """The allocation's view of a stored site and its external limit (None: none)."""
    external = None
    if limit is not None:
        external = ExternalLimit(max_current=limit["maxCurrent"], until=limit.get("until"))
    return Site(max_current=doc["maxCurrent"], min_current=doc["minCurrent"], external=external)


def _its_own(needs: Mapping[str, Any] | None, started_at: datetime) -> TypeGuard[Mapping[str, Any]]:
    """The EVSE's last needs belong to the transaction started at ``started_at`` (not to
    the previous car on that EVSE)."""
    return needs is not None and needs["receivedAt"] >= started_at - NEEDS_BEFORE_START


def ev_max(
    needs: Mapping[str, Any] | None,
    started_at: datetime,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> float | None:
    """The EV's maximum in A per phase from its EVSE's last needs, if they are its own."""
    if not _its_own(needs, started_at):
        return None
    charging = needs.get("chargingNeeds", {})
    ac = charging.get("acChargingParameters")
    if ac is not None:
        return float(ac["evMaxCurrent"])
    dc = charging.get("dcChargingParameters")
    if dc is not None and dc.get("evMaxPower") is not None:
        return amps_from_watts(float(dc["evMaxPower"]), phases, voltage)
    return None


def needed_current(
    needs: Mapping[str, Any] | None,
    transaction: Mapping[str, Any],
    now: datetime,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> float | None:
    """A per phase the EV needs from ``now`` to get the rest of its ``energyAmount`` by its
    departure; None when its needs say neither, or are not its own."""
    if not _its_own(needs, transaction["startedAt"]):
        return None
    departure = needs.get("departureAt")
    charging = needs.get("chargingNeeds", {})
    parameters = charging.get("acChargingParameters") or charging.get("dcChargingParameters")
    if departure is None or parameters is None or parameters.get("energyAmount") is None:
        return None
    start, last = transaction.get("meterStartWh"), transaction.get("meterLastWh")
    delivered = max(last - start, 0.0) if start is not None and last is not None else 0.0
    left_wh = float(parameters["energyAmount"]) - delivered
    if left_wh <= 0:
        return 0.0
    hours = (departure - now).total_seconds() / 3600
    if hours <= 0:
        return math.inf
    return amps_from_watts(left_wh / hours, phases, voltage)


def schedule_limit(
    schedule: Mapping[str, Any],
    reported_at: datetime,
    now: datetime,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> float | None:
    """The limit (A per phase) a ChargingScheduleType sets at ``now``; None outside it."""
    start = schedule.get("startSchedule")
    begins = reported_at if start is None else timestamps.parse(start)
    elapsed = (now - begins).total_seconds()
    duration = schedule.get("duration")
    if elapsed < 0 or (duration is not None and elapsed >= duration):
        return None
    current = None
    for period in sorted(schedule["chargingSchedulePeriod"], key=lambda p: p["startPeriod"]):
        if period["startPeriod"] > elapsed:
            break
        current = period
    if current is None:
        return None
    limit = float(current["limit"])
    if schedule["chargingRateUnit"] == "W":
        return amps_from_watts(limit, current.get("numberPhases", phases), voltage)
    return limit


def station_limits(
    docs: Iterable[Mapping[str, Any]],
    now: datetime,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> dict[tuple[str, int], float]:
    """The smallest limit in force per (station, evseId) from active NotifyChargingLimit
    documents; evseId 0 (or none) limits every EVSE of that station."""
    found: dict[tuple[str, int], float] = {}
    for doc in docs:
        for schedule in doc.get("chargingSchedule") or ():
            amps = schedule_limit(schedule, doc["receivedAt"], now, phases, voltage)
            if amps is None:
                continue
            key = (doc["station"], doc.get("evseId") or 0)
            found[key] = min(amps, found.get(key, amps))
    return found


def latest_per_evse(
    docs: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, int], Mapping[str, Any]]:
    """The transaction started last on each (station, evseId), of those naming an EVSE,
    oldest first (start time, then transactionId when two started at once)."""
    newest: dict[tuple[str, int], Mapping[str, Any]] = {}
    for doc in sorted(docs, key=lambda d: (d["startedAt"], d["transactionId"])):
        if doc.get("evseId"):
            newest[(doc["station"], doc["evseId"])] = doc
    return newest


def transactions(
    running: Iterable[Mapping[str, Any]],
    needs: Iterable[Mapping[str, Any]],
    limits: Mapping[tuple[str, int], float],
    refused: set[Key],
    evse_max: float,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
    now: datetime | None = None,
) -> list[Transaction]:
    """The running transactions as the allocation sees them, oldest first. Those without an
    EVSE (the station never named one) cannot be sent a TxProfile and are left out. An EVSE
    runs one transaction at a time, so of several not ended on one EVSE only the newest
    counts: the others ended without the CSMS hearing of it (a station reset, a lost
    ``Ended``) and would hold a share for good. ``refused`` holds the keys counted at their
    EVSE maximum (rejected, or no answer). ``now`` (None: needs by departure are not
    counted) is when the EVs' needs are reckoned from."""
    needs_by_evse = {(doc["station"], doc["evseId"]): doc for doc in needs}
    newest = latest_per_evse(running)
    found = []
    for (station, evse_id), doc in newest.items():
        started = doc["startedAt"]
        local = [limits[k] for k in ((station, evse_id), (station, 0)) if k in limits]
        found.append(
            Transaction(
                station_id=station,
                evse_id=evse_id,
                transaction_id=doc["transactionId"],
                started_at=started,
                evse_max=evse_max,
                ev_max=ev_max(needs_by_evse.get((station, evse_id)), started, phases, voltage),
                local_limit=min(local) if local else None,
                rejected=(station, doc["transactionId"]) in refused,
                priority=bool(doc.get("priorityCharging")),
                needed=None
                if now is None
                else needed_current(
                    needs_by_evse.get((station, evse_id)), doc, now, phases, voltage
                ),
            )
        )
    return found


def periods_above(
    schedule: Mapping[str, Any],
    limit: float,
    phases: int = DEFAULT_PHASES,
    voltage: float = DEFAULT_VOLTAGE,
) -> list[int]:
    """The ``startPeriod`` of every period of a ChargingScheduleType above ``limit`` (A per
    phase): what an EV's own schedule (NotifyEVChargingSchedule) takes beyond the limit the
    CSMS sent for its transaction. A schedule in W is compared with the limit in W at the
    period's ``numberPhases`` (else the site's) and ``voltage``; 0.1 A of slack, the step
    the site's limits are computed in."""
    above = []
    for period in schedule["chargingSchedulePeriod"]:
        amps = float(period["limit"])
        if schedule["chargingRateUnit"] == "W":
            amps = amps_from_watts(amps, period.get("numberPhases", phases), voltage)
        if amps > limit + 0.1:
            above.append(int(period["startPeriod"]))
    return above
