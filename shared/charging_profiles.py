"""Charging profiles the operator wants to send (K01 SetChargingProfile): what is wrong with one.

Pure: no I/O. The API validates ``{"evseId", "chargingProfile"}`` against the official
schema first (``shared.schemas``), then calls ``problems`` with what the CSMS knows of the
station (``StationContext``). An empty list means the CSMS may send the request; otherwise
every problem names the rule it breaks and the JSON path of the offending value, as
``SchemaViolation`` does, so the operator fixes the profile before a station refuses it.

Why refuse here what the station would refuse anyway: a refused SetChargingProfile only
says Rejected (at best with a reasonCode), after a round trip to a station that may be
offline; the operator learns nothing about which field to fix.

Where the rule ids come from. Part 2 (the requirement texts) is not in
``/work/shared/ocpp-2.0.1``; what is there:

* part 6 test cases tie ids to behaviour: TC_K_02_CS (TxProfile, no transaction on the
  EVSE: Rejected, K01.FR.09), TC_K_11_CS (TxProfile on evseId 0: Rejected, K01.FR.16),
  TC_K_12_CS (unsupported chargingRateUnit: Rejected, K01.FR.26), TC_K_14_CS (unknown
  EVSE: Rejected, K01.FR.28), TC_K_16_CS (unknown transactionId: Rejected, K01.FR.33),
  TC_K_60_CSMS (TxProfile carries the transactionId, K01.FR.03), TC_K_03_CSMS
  (ChargingStationMaxProfile with evseId 0, K01.FR.38), TC_K_19_CS (Recurring, K01.FR.40);
* the schema descriptions: transactionId "SHALL only be included if ChargingProfilePurpose
  is set to TxProfile"; phaseToUse "Values: 1..3, Used if numberPhases=1 and if the EVSE is
  capable of switching the phase [...] ACPhaseSwitchingSupported is defined and true. It's
  not allowed unless both conditions above are true"; numberPhases "numberPhases=3 will be
  assumed unless another number is given"; stackLevel "Lowest level is 0"; startSchedule
  "Starting point of an absolute schedule. If absent the schedule will be relative";
* the errata 2025-01, 2.28 (avoiding phase conflicts): "A value of phaseToUse may only be
  used when numberOfPhases = 1", and a request whose phaseToUse conflicts with the one of a
  ChargingStationMaxProfile "will have to be rejected";
* the device model (part 2 appendices): SmartChargingCtrlr.RateUnit, PeriodsPerSchedule
  ("Maximum number of periods that may be defined per ChargingSchedule"), ProfileStackLevel
  ("Maximum acceptable value for stackLevel"), ACPhaseSwitchingSupported.

The ids K01.FR.19, .20, .22, .31, .35 and .41 are not in these documents; they are the
ones EVerest libocpp (a charging-station implementation) cites in its comments for the same
checks. Rules without an id anywhere carry ``rule=None`` and say where they come from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared import timestamps

STATION = 0
"""evseId 0: the whole Charging Station."""

MAX_PROFILE = "ChargingStationMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX_PROFILE = "TxProfile"
EXTERNAL = "ChargingStationExternalConstraints"
RELATIVE = "Relative"
RECURRING = "Recurring"

_P = "chargingProfile"

SITE_PROFILE_IDS = 1_000_000
"""Profile ids from here up are the site load management's: the TxProfile it sends to EVSE
n has id ``SITE_PROFILE_IDS + n`` (``workers/site_driver.py``), one per EVSE, so a new limit
replaces the last (K01). An operator's profile with such an id would replace one of them."""


def csms_tx_profile(
    evse_id: int, transaction_id: str, stack_level: int, unit: str, period: Mapping[str, Any]
) -> dict[str, Any]:
    """SetChargingProfile of the CSMS's own TxProfile for a transaction (the site load
    management's share, or what an EV's needs get outside a site): id ``SITE_PROFILE_IDS``
    + EVSE id, one schedule of one ``period`` from the transaction's start."""
    return {
        "evseId": evse_id,
        "chargingProfile": {
            "id": SITE_PROFILE_IDS + evse_id,
            "stackLevel": stack_level,
            "chargingProfilePurpose": TX_PROFILE,
            "chargingProfileKind": RELATIVE,
            "transactionId": transaction_id,
            "chargingSchedule": [
                {"id": 1, "chargingRateUnit": unit, "chargingSchedulePeriod": [dict(period)]}
            ],
        },
    }


@dataclass(frozen=True)
class Problem:
    """One reason not to send the profile."""

    rule: str | None
    """The requirement id (``K01.FR.16``), None when the documents give none."""
    path: str
    """Where in the request, as ``shared.schemas.SchemaViolation.path``."""
    message: str


@dataclass(frozen=True)
class HeldProfile:
    """A profile the CSMS holds as installed on the station, and the EVSE it is on."""

    evse_id: int
    profile: Mapping[str, Any]


@dataclass(frozen=True)
class StationContext:
    """What the CSMS knows of the station; None means unknown, and the rule is skipped.

    Unknown is not "anything goes" at the station: it only means the CSMS cannot tell in
    advance, so the station decides.
    """

    held: Sequence[HeldProfile] = ()
    transactions: Mapping[int, frozenset[str]] = field(default_factory=dict)
    """transactionIds of the transactions running, per EVSE id (absent: none running)."""
    rate_units: frozenset[str] | None = None
    """SmartChargingCtrlr.RateUnit, e.g. ``frozenset({"A", "W"})``."""
    evse_ids: frozenset[int] | None = None
    """The station's EVSE ids (> 0)."""
    periods_per_schedule: int | None = None
    """SmartChargingCtrlr.PeriodsPerSchedule."""
    max_stack_level: int | None = None
    """SmartChargingCtrlr.ProfileStackLevel."""
    ac_phase_switching: bool | None = None
    """SmartChargingCtrlr.ACPhaseSwitchingSupported."""


def problems(evse_id: int, profile: Mapping[str, Any], context: StationContext) -> list[Problem]:
    """Everything wrong with sending ``profile`` to ``evse_id``; empty when it may be sent.

    ``profile`` must already be valid against the SetChargingProfileRequest schema (the
    caller validated the whole request): missing required fields raise KeyError here.
    """
    found = [
        *_evse(evse_id, profile, context),
        *_transaction(evse_id, profile, context),
        *_stack_level(evse_id, profile, context),
        *_validity(profile),
        *_kind(profile),
        *_reserved(profile),
    ]
    for index, schedule in enumerate(profile["chargingSchedule"]):
        found.extend(_schedule(f"{_P}.chargingSchedule[{index}]", schedule, context))
    found.extend(_phase_conflicts(evse_id, profile, context))
    return found


def _evse(evse_id: int, profile: Mapping[str, Any], context: StationContext) -> Iterator[Problem]:
    purpose = profile["chargingProfilePurpose"]
    if purpose == EXTERNAL:
        yield Problem(
            "K01.FR.22",
            f"{_P}.chargingProfilePurpose",
            f"{EXTERNAL} are set by an external system, never by the CSMS",
        )
    if evse_id != STATION and context.evse_ids is not None and evse_id not in context.evse_ids:
        known = ", ".join(str(e) for e in sorted(context.evse_ids)) or "none"
        yield Problem("K01.FR.28", "evseId", f"the station has no EVSE {evse_id} (it has {known})")
    if purpose == MAX_PROFILE and evse_id != STATION:
        yield Problem("K01.FR.38", "evseId", f"a {MAX_PROFILE} is for the whole station: evseId 0")
    if purpose == TX_PROFILE and evse_id == STATION:
        yield Problem(
            "K01.FR.16", "evseId", f"a {TX_PROFILE} is for one EVSE's transaction: evseId > 0"
        )


def _transaction(
    evse_id: int, profile: Mapping[str, Any], context: StationContext
) -> Iterator[Problem]:
    purpose = profile["chargingProfilePurpose"]
    transaction_id = profile.get("transactionId")
    path = f"{_P}.transactionId"
    if purpose != TX_PROFILE:
        if transaction_id is not None:
            yield Problem(
                None, path, f"transactionId only goes with a {TX_PROFILE} (schema description)"
            )
        return
    if transaction_id is None:
        yield Problem("K01.FR.03", path, f"a {TX_PROFILE} names the transaction it limits")
        return
    if evse_id == STATION:
        return  # K01.FR.16 already said it: no transaction runs on the whole station.
    running = context.transactions.get(evse_id, frozenset())
    if not running:
        yield Problem("K01.FR.09", path, f"no transaction is running on EVSE {evse_id}")
    elif transaction_id not in running:
        yield Problem(
            "K01.FR.33",
            path,
            f"transaction {transaction_id!r} is not the one running on EVSE {evse_id}",
        )


def _stack_level(
    evse_id: int, profile: Mapping[str, Any], context: StationContext
) -> Iterator[Problem]:
    """Two profiles of one purpose on one EVSE at one stackLevel would both claim the top.

    A profile with the same id is no conflict: the station replaces it (K01.FR.05). Nor are
    two whose validity periods do not overlap (validFrom/validTo), which lets an operator
    queue next season's profile at the same level (as EVerest's station checks it). For a
    TxProfile only the profiles of the same transaction count: the others ended with theirs.
    """
    level = profile["stackLevel"]
    path = f"{_P}.stackLevel"
    if level < 0:
        yield Problem(None, path, "the lowest stackLevel is 0 (schema description)")
    if context.max_stack_level is not None and level > context.max_stack_level:
        yield Problem(
            None,
            path,
            f"stackLevel {level} is above the station's SmartChargingCtrlr.ProfileStackLevel "
            f"({context.max_stack_level})",
        )
    purpose = profile["chargingProfilePurpose"]
    window = _window(profile)
    for held in context.held:
        other = held.profile
        if (
            held.evse_id != evse_id
            or other["id"] == profile["id"]
            or other["chargingProfilePurpose"] != purpose
            or other["stackLevel"] != level
        ):
            continue
        if purpose == TX_PROFILE and other.get("transactionId") != profile.get("transactionId"):
            continue
        if _overlap(window, _window(other)):
            yield Problem(
                None,
                path,
                f"profile {other['id']} already has {purpose} stackLevel {level} on EVSE "
                f"{evse_id} for an overlapping validity period",
            )


Window = tuple[datetime | None, datetime | None]


def _window(profile: Mapping[str, Any]) -> Window:
    start, end = profile.get("validFrom"), profile.get("validTo")
    return (
        timestamps.parse(start) if start is not None else None,
        timestamps.parse(end) if end is not None else None,
    )


def _overlap(a: Window, b: Window) -> bool:
    """Half-open [validFrom, validTo); a missing bound is open-ended."""
    a_before_b = a[1] is not None and b[0] is not None and a[1] <= b[0]
    b_before_a = b[1] is not None and a[0] is not None and b[1] <= a[0]
    return not (a_before_b or b_before_a)


def _validity(profile: Mapping[str, Any]) -> Iterator[Problem]:
    start, end = _window(profile)
    if start is not None and end is not None and end <= start:
        yield Problem(
            None, f"{_P}.validTo", "validTo must come after validFrom: the profile is never valid"
        )


def _reserved(profile: Mapping[str, Any]) -> Iterator[Problem]:
    if profile["id"] >= SITE_PROFILE_IDS:
        yield Problem(
            None,
            f"{_P}.id",
            f"ids from {SITE_PROFILE_IDS} are the site load management's TxProfiles",
        )


def _kind(profile: Mapping[str, Any]) -> Iterator[Problem]:
    kind = profile["chargingProfileKind"]
    recurrency = profile.get("recurrencyKind")
    if kind == RECURRING and recurrency is None:
        yield Problem(
            None, f"{_P}.recurrencyKind", "a Recurring profile says how it recurs: Daily or Weekly"
        )
    if kind != RECURRING and recurrency is not None:
        yield Problem(None, f"{_P}.recurrencyKind", f"recurrencyKind means nothing to a {kind}")
    if kind == RELATIVE and profile["chargingProfilePurpose"] == MAX_PROFILE:
        yield Problem(
            "K01.FR.38",
            f"{_P}.chargingProfileKind",
            f"a {MAX_PROFILE} is Absolute or Recurring: no transaction starts it",
        )
    for index, schedule in enumerate(profile["chargingSchedule"]):
        path = f"{_P}.chargingSchedule[{index}].startSchedule"
        has_start = "startSchedule" in schedule
        if kind != RELATIVE and not has_start:
            yield Problem("K01.FR.40", path, f"a {kind} schedule needs its startSchedule")
        if kind == RELATIVE and has_start:
            yield Problem(
                "K01.FR.41", path, "a Relative schedule starts with charging: no startSchedule"
            )


def _schedule(path: str, schedule: Mapping[str, Any], context: StationContext) -> Iterator[Problem]:
    unit = schedule["chargingRateUnit"]
    if context.rate_units is not None and unit not in context.rate_units:
        supported = ", ".join(sorted(context.rate_units)) or "none"
        yield Problem(
            "K01.FR.26",
            f"{path}.chargingRateUnit",
            f"the station's SmartChargingCtrlr.RateUnit is {supported}, not {unit}",
        )
    periods = schedule["chargingSchedulePeriod"]
    limit = context.periods_per_schedule
    if limit is not None and len(periods) > limit:
        yield Problem(
            None,
            f"{path}.chargingSchedulePeriod",
            f"{len(periods)} periods, the station's SmartChargingCtrlr.PeriodsPerSchedule is "
            f"{limit}",
        )
    if periods[0]["startPeriod"] != 0:
        yield Problem(
            "K01.FR.31",
            f"{path}.chargingSchedulePeriod[0].startPeriod",
            "the first period starts the schedule: startPeriod 0",
        )
    for index in range(1, len(periods)):
        before, start = periods[index - 1]["startPeriod"], periods[index]["startPeriod"]
        if start <= before:
            yield Problem(
                "K01.FR.35",
                f"{path}.chargingSchedulePeriod[{index}].startPeriod",
                f"startPeriod {start} does not come after the previous one ({before})",
            )
    for index, period in enumerate(periods):
        yield from _phases(f"{path}.chargingSchedulePeriod[{index}]", period, context)


def _phases(path: str, period: Mapping[str, Any], context: StationContext) -> Iterator[Problem]:
    phase = period.get("phaseToUse")
    if phase is None:
        return
    here = f"{path}.phaseToUse"
    if phase not in (1, 2, 3):
        yield Problem(None, here, f"phaseToUse is 1, 2 or 3, not {phase} (schema description)")
    phases = period.get("numberPhases", 3)
    if phases != 1:
        yield Problem(
            "K01.FR.19",
            here,
            f"phaseToUse only with numberPhases 1 (this period has {phases}"
            f"{'' if 'numberPhases' in period else ', the default'})",
        )
    if context.ac_phase_switching is False:
        yield Problem(
            "K01.FR.20",
            here,
            "the station's SmartChargingCtrlr.ACPhaseSwitchingSupported is false",
        )


def _phase_conflicts(
    evse_id: int, profile: Mapping[str, Any], context: StationContext
) -> Iterator[Problem]:
    """Errata 2.28: a phaseToUse other than the one a held profile of another purpose sets,
    on this EVSE or the whole station, leaves the station no composite schedule.

    Conservative, as the errata asks of the station: periods are compared regardless of
    when they apply, since a Relative schedule's start is not known in advance.
    """
    purpose = profile["chargingProfilePurpose"]
    theirs: dict[int, int] = {}
    for held in context.held:
        other = held.profile
        if other["chargingProfilePurpose"] == purpose or other["id"] == profile["id"]:
            continue
        if evse_id != STATION and held.evse_id not in (STATION, evse_id):
            continue
        for phase in _phases_to_use(other):
            theirs.setdefault(phase, other["id"])
    if not theirs:
        return
    for s_index, schedule in enumerate(profile["chargingSchedule"]):
        for p_index, period in enumerate(schedule["chargingSchedulePeriod"]):
            phase = period.get("phaseToUse")
            if phase is None:
                continue
            for their_phase, their_id in sorted(theirs.items()):
                if their_phase != phase:
                    yield Problem(
                        None,
                        f"{_P}.chargingSchedule[{s_index}].chargingSchedulePeriod[{p_index}]"
                        ".phaseToUse",
                        f"phaseToUse {phase} conflicts with phaseToUse {their_phase} of profile "
                        f"{their_id} (errata 2025-01, 2.28)",
                    )
                    break


def _phases_to_use(profile: Mapping[str, Any]) -> Iterator[int]:
    for schedule in profile["chargingSchedule"]:
        for period in schedule["chargingSchedulePeriod"]:
            if period.get("phaseToUse") is not None:
                yield period["phaseToUse"]
