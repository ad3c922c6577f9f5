"""What the CSMS knows of a station, for ``shared.charging_profiles.problems``: read from the
store (``load``) and parsed by pure functions (``context``), so the parsing is tested
without a database.

Unknown stays unknown (None): a device model variable never reported, or one whose value
does not parse, skips its rule rather than refusing every profile on a guess.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.charging_profiles import SITE_PROFILE_IDS, TX_PROFILE, HeldProfile, StationContext
from store import charging_profiles, device_model, sites, transactions

CTRLR = {"name": "SmartChargingCtrlr"}
RATE_UNIT = "RateUnit"
PERIODS = "PeriodsPerSchedule"
STACK_LEVEL = "ProfileStackLevel"
PHASE_SWITCHING = "ACPhaseSwitchingSupported"
VARIABLES = (RATE_UNIT, PERIODS, STACK_LEVEL, PHASE_SWITCHING)
UNITS = frozenset({"A", "W"})


def rate_units(value: str | None) -> frozenset[str] | None:
    """RateUnit is a MemberList such as ``"A,W"``; None when unreported or none parse."""
    if value is None:
        return None
    units = frozenset(u.strip() for u in value.split(",")) & UNITS
    return units or None


def non_negative(value: str | None) -> int | None:
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number >= 0 else None


def boolean(value: str | None) -> bool | None:
    """Device model booleans are ``true``/``false``; stations vary in case."""
    text = (value or "").strip().lower()
    return {"true": True, "false": False}.get(text)


def running_by_evse(running: Iterable[Mapping[str, Any]]) -> dict[int, frozenset[str]]:
    """Transactions with no EVSE known yet cannot be matched to one: left out."""
    found: dict[int, set[str]] = {}
    for doc in running:
        if isinstance(doc.get("evseId"), int):
            found.setdefault(doc["evseId"], set()).add(doc["transactionId"])
    return {evse: frozenset(ids) for evse, ids in found.items()}


def site_profiles(running: Iterable[Mapping[str, Any]], stack_level: int) -> list[HeldProfile]:
    """The TxProfiles the site load management holds (or is about to send) on a site
    station's running transactions: one per EVSE (``SITE_PROFILE_IDS`` + EVSE id) at
    SITE_PROFILE_STACK_LEVEL, so an operator's TxProfile at that level for the same
    transaction is refused before the station refuses it (K01)."""
    return [
        HeldProfile(
            doc["evseId"],
            {
                "id": SITE_PROFILE_IDS + doc["evseId"],
                "chargingProfilePurpose": TX_PROFILE,
                "stackLevel": stack_level,
                "transactionId": doc["transactionId"],
            },
        )
        for doc in running
        if isinstance(doc.get("evseId"), int)
    ]


def context(
    stored: Iterable[Mapping[str, Any]],
    replacing: int,
    running: Iterable[Mapping[str, Any]],
    values: Mapping[str, str | None],
    evses: frozenset[int],
    site_stack_level: int | None = None,
) -> StationContext:
    """``stored`` charging_profiles documents minus the one with id ``replacing`` (the new
    profile takes its place, K01.FR.05) and the TxProfiles of transactions no longer
    running (the station dropped them when it ended); ``values`` the SmartChargingCtrlr
    Actual values by variable name; ``evses`` the EVSE ids of the device model, empty when
    unknown; ``site_stack_level`` the site load management's stack level when the station
    is on a site (None: it is not)."""
    running = list(running)
    by_evse = running_by_evse(running)
    live = frozenset().union(*by_evse.values())
    held = [
        HeldProfile(doc["evseId"], doc["chargingProfile"])
        for doc in stored
        if doc["profileId"] != replacing
        and (
            doc["chargingProfile"].get("chargingProfilePurpose") != TX_PROFILE
            or doc["chargingProfile"].get("transactionId") in live
        )
    ]
    if site_stack_level is not None:
        held += site_profiles(running, site_stack_level)
    return StationContext(
        held=held,
        transactions=by_evse,
        rate_units=rate_units(values.get(RATE_UNIT)),
        evse_ids=evses or None,
        periods_per_schedule=non_negative(values.get(PERIODS)),
        max_stack_level=non_negative(values.get(STACK_LEVEL)),
        ac_phase_switching=boolean(values.get(PHASE_SWITCHING)),
    )


async def load(
    db: AsyncDatabase[Any], station: str, replacing: int, site_stack_level: int
) -> StationContext:
    """``site_stack_level``: SITE_PROFILE_STACK_LEVEL, counted when the station is on a site."""
    stored, running, evses, site, *docs = await asyncio.gather(
        charging_profiles.for_station(db, station),
        transactions.running(db, station),
        device_model.evse_ids(db, station),
        sites.site_of(db, station),
        *(device_model.get_variable(db, station, CTRLR, {"name": n}) for n in VARIABLES),
    )
    values = {name: device_model.actual(doc) for name, doc in zip(VARIABLES, docs, strict=True)}
    level = site_stack_level if site is not None else None
    return context(stored, replacing, running, values, evses, level)
