"""``charging_profiles``: the CSMS's view of the charging profiles a station holds (K01).

One document per station and profile id, ``_id`` = ``<station>/<profileId>``, as the
station keeps them: a SetChargingProfile with an id the station holds replaces that profile
(K01.FR.05), wherever it was, and so does ``put`` here. Written by the API only (one writer
per document): ``put`` after the station accepted SetChargingProfile, ``delete`` after it
answered ClearChargingProfile, ``replace_from_report`` after a complete ReportChargingProfiles
answer to the API's GetChargingProfiles. The report parts themselves are the workers'
(``charging_profile_reports`` in ``charging_limits``).

``source`` says how the CSMS learnt of a profile: ``api`` (it sent it) or ``station`` (only
a report named it: set by someone else, or sent by the CSMS without an answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import reports

SOURCE_API = "api"
SOURCE_STATION = reports.SOURCE_STATION
REPORTED = reports.REPORTED
"""``status`` of a profile only a report told of (no SetChargingProfile answer to show)."""


def profile_key(station: str, profile_id: int) -> str:
    return f"{station}/{profile_id}"


@dataclass(frozen=True)
class Reported:
    """One profile of a ReportChargingProfiles part, with where the station holds it."""

    evse_id: int
    profile: dict[str, Any]
    limit_source: str


def document(
    station: str, evse_id: int, profile: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    """A profile's whole document; ``fields`` adds source, status, commandId, times."""
    return {
        "_id": profile_key(station, profile["id"]),
        "station": station,
        "evseId": evse_id,
        "profileId": profile["id"],
        "chargingProfile": profile,
        "purpose": profile["chargingProfilePurpose"],
        "stackLevel": profile["stackLevel"],
        **fields,
    }


async def put(db: AsyncDatabase[Any], doc: dict[str, Any]) -> None:
    """Store a profile the station accepted, replacing one with the same id."""
    await db[names.CHARGING_PROFILES].replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def get(db: AsyncDatabase[Any], station: str, profile_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.CHARGING_PROFILES].find_one(
        {"_id": profile_key(station, profile_id)}
    )
    return doc


async def delete(db: AsyncDatabase[Any], station: str, profile_id: int) -> bool:
    """False when nothing was stored under that id."""
    result = await db[names.CHARGING_PROFILES].delete_one({"_id": profile_key(station, profile_id)})
    return bool(result.deleted_count)


async def for_station(
    db: AsyncDatabase[Any], station: str, limit: int = 0, skip: int = 0
) -> list[dict[str, Any]]:
    """By profile id; ``limit`` 0 reads them all (the validation context needs all)."""
    cursor = (
        db[names.CHARGING_PROFILES]
        .find({"station": station})
        .sort("profileId", 1)
        .skip(skip)
        .limit(limit)
    )
    return [doc async for doc in cursor]


def _same_place(doc: dict[str, Any], reported: Reported) -> bool:
    """Does the stored profile sit where the report puts it? Only the fields that decide
    what a profile limits are compared: a station may write timestamps in another form."""
    profile = reported.profile
    return bool(
        doc["evseId"] == reported.evse_id
        and doc["purpose"] == profile["chargingProfilePurpose"]
        and doc["stackLevel"] == profile["stackLevel"]
    )


async def replace_from_report(
    db: AsyncDatabase[Any],
    station: str,
    reported: Iterable[Reported],
    asked_at: datetime,
    at: datetime,
) -> tuple[list[int], list[int]]:
    """Make the stored view what a complete report says the station holds.

    A stored profile the report does not name is removed, unless it was stored after the
    report was asked for (``asked_at``): the station accepted it after it had reported. A
    reported one the CSMS does not
    hold, or holds on another EVSE, purpose or stackLevel, is stored as the station's
    (``source`` station); one it holds as reported is kept with ``reportedAt``. Returns the
    profile ids removed and the ids stored from the report.
    """

    def learnt(_profile_id: int, found: Reported) -> dict[str, Any]:
        fields = {**reports.learnt_fields(at), "chargingLimitSource": found.limit_source}
        return document(station, found.evse_id, found.profile, fields)

    return await reports.replace_from_report(
        db,
        names.CHARGING_PROFILES,
        {doc["profileId"]: doc for doc in await for_station(db, station)},
        {r.profile["id"]: r for r in reported},
        _same_place,
        learnt,
        asked_at,
        at,
    )
