"""store.charging_profiles against the real store: the view made what a report says."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from shared.events import utc_now
from store import charging_profiles
from store.charging_profiles import Reported


def _profile(profile_id: int, level: int = 0) -> dict[str, Any]:
    return {"id": profile_id, "stackLevel": level, "chargingProfilePurpose": "TxDefaultProfile"}


async def _put(db: Any, station: str, profile_id: int, at: Any, evse_id: int = 1) -> None:
    fields = {"source": "api", "status": "Accepted", "updatedAt": at}
    await charging_profiles.put(
        db, charging_profiles.document(station, evse_id, _profile(profile_id), fields)
    )


async def test_a_report_removes_what_it_misses_and_stores_what_it_adds(db):
    station = f"CP-{uuid.uuid4().hex[:8]}"
    asked = utc_now()
    before, after = asked - timedelta(seconds=5), asked + timedelta(seconds=1)
    await _put(db, station, 1, before)  # kept: reported where it is
    await _put(db, station, 2, before)  # removed: not reported
    await _put(db, station, 3, after)  # kept: stored after the report was asked for
    await _put(db, station, 4, before)  # replaced: reported on another EVSE
    reported = [Reported(1, _profile(1), "CSO"), Reported(2, _profile(4), "CSO")]
    reported.append(Reported(0, _profile(5, 3), "EMS"))
    removed, learnt = await charging_profiles.replace_from_report(
        db, station, reported, asked, after
    )
    assert (removed, learnt) == ([2], [4, 5])
    docs = {d["profileId"]: d for d in await charging_profiles.for_station(db, station)}
    assert set(docs) == {1, 3, 4, 5}
    assert docs[1]["source"] == "api" and docs[1]["reportedAt"] is not None
    assert docs[3].get("reportedAt") is None
    assert (docs[4]["source"], docs[4]["evseId"]) == ("station", 2)
    assert (docs[5]["chargingLimitSource"], docs[5]["stackLevel"]) == ("EMS", 3)
    assert await charging_profiles.delete(db, station, 5) is True
    assert await charging_profiles.delete(db, station, 5) is False
