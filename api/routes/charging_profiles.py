"""/api/v1/stations/{id}/charging-profiles: set, list, clear and refresh the charging
profiles of a station (K01 SetChargingProfile, K10 ClearChargingProfile, K09
GetChargingProfiles).

A profile is checked before anything is sent: against the official schema, then against
the rules of K01 with what the CSMS knows of the station (``shared.charging_profiles``), so
the operator learns which field to fix instead of a bare Rejected. The API is the only
writer of the stored view (``store/charging_profiles.py``): it stores a profile once the
station accepted it, forgets one once the station answered ClearChargingProfile, and
``refresh`` makes the view what the station reports it holds.

A set or clear that got no answer (timeout, disconnected) changes nothing stored: the
station may or may not have applied it, which only a refresh can tell.

Not covered: requests for one station are not serialised. A refresh keeps a profile stored
after it asked for the report, but one cleared meanwhile comes back if the report named it;
two sets racing past the stackLevel check can both be sent.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from shared import commands, names
from shared.charging_profiles import SITE_PROFILE_IDS, problems
from shared.events import iso, utc_now
from store import charging_limits, charging_profiles
from store.charging_profiles import Reported

from .. import charging_profile_context
from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB, SETTINGS
from .commands import (
    check_request,
    complete_report,
    publish_answer,
    record_and_send,
    result_response,
)
from .reservations import MAX_ID
from .stations import require_registered, station_id

ACCEPTED = "Accepted"
NO_PROFILES = "NoProfiles"
CSO = "CSO"  # chargingLimitSource of the profiles a CSMS sets


def _time(value: Any) -> str | None:
    return iso(value) if value is not None else None


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "stationId": doc["station"],
        "profileId": doc["profileId"],
        "evseId": doc["evseId"],
        "purpose": doc["purpose"],
        "stackLevel": doc["stackLevel"],
        "source": doc["source"],
        "status": doc["status"],
        "statusInfo": doc.get("statusInfo"),
        "chargingLimitSource": doc.get("chargingLimitSource"),
        "commandId": doc.get("commandId"),
        "setAt": _time(doc.get("setAt")),
        "updatedAt": _time(doc.get("updatedAt")),
        "reportedAt": _time(doc.get("reportedAt")),
        "chargingProfile": doc["chargingProfile"],
    }


def _invalid(body: dict[str, Any]) -> None:
    """422 unless ``body`` is a SetChargingProfileRequest the store can hold, for an EVSE
    (the schema allows a negative ``evseId``)."""
    check_request("SetChargingProfile", body)
    if body["evseId"] < 0:
        raise ApiError(
            422, "Invalid SetChargingProfileRequest", {"message": "evseId >= 0", "path": "evseId"}
        )


async def set_profile(request: web.Request) -> web.Response:
    station = station_id(request)
    body = await read_json(request)
    _invalid(body)
    await require_registered(request, station)
    db = request.app[DB]
    evse_id, profile = body["evseId"], body["chargingProfile"]
    context = await charging_profile_context.load(
        db, station, profile["id"], request.app[SETTINGS].site_profile_stack_level
    )
    found = problems(evse_id, profile, context)
    if found:
        raise ApiError(
            422,
            "The charging profile breaks the rules of K01",
            [{"rule": p.rule, "path": p.path, "message": p.message} for p in found],
        )
    result = await record_and_send(request, station, "SetChargingProfile", body)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response
    if answer["status"] != ACCEPTED:
        raise ApiError(
            409,
            "Station rejected the charging profile",
            {
                "commandId": result.command_id,
                "status": answer["status"],
                "statusInfo": answer.get("statusInfo"),
            },
        )
    now = utc_now()
    doc = charging_profiles.document(
        station,
        evse_id,
        profile,
        {
            "source": charging_profiles.SOURCE_API,
            "status": answer["status"],
            "statusInfo": answer.get("statusInfo"),
            "chargingLimitSource": CSO,
            "commandId": result.command_id,
            "setAt": now,
            "updatedAt": now,
            "reportedAt": None,
        },
    )
    await charging_profiles.put(db, doc)
    await publish_answer(
        request,
        names.EVENT_PROFILE_SET,
        station,
        result.command_id,
        profileId=profile["id"],
        evseId=evse_id,
        purpose=doc["purpose"],
        stackLevel=doc["stackLevel"],
        commandId=result.command_id,
    )
    return json_response(view(doc), 201)


async def list_profiles(request: web.Request) -> web.Response:
    station = station_id(request)
    limit, skip = paging(request)
    await require_registered(request, station)
    docs = await charging_profiles.for_station(request.app[DB], station, limit, skip)
    return json_response({"chargingProfiles": [view(d) for d in docs]})


def _profile_id(request: web.Request) -> int:
    raw = request.match_info["profileId"]
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise ApiError(400, "profileId is a non-negative 32-bit integer")
    return int(raw)


async def clear(request: web.Request) -> web.Response:
    """ClearChargingProfile by id, also for a profile the CSMS does not hold (the station
    may): Unknown means the station holds none with that id, so the view forgets it too."""
    station = station_id(request)
    profile_id = _profile_id(request)
    await require_registered(request, station)
    if profile_id >= SITE_PROFILE_IDS:
        # Cleared behind the site driver's back, the transaction would draw its EVSE's
        # maximum while the site still counts it at its share.
        raise ApiError(
            409,
            "The CSMS's own TxProfile (site load management, an EV's charging needs): "
            "change the site or its limit instead",
            {"profileId": profile_id, "siteProfileIds": f">= {SITE_PROFILE_IDS}"},
        )
    payload = {"chargingProfileId": profile_id}
    result = await record_and_send(request, station, "ClearChargingProfile", payload)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    forgotten = await charging_profiles.delete(request.app[DB], station, profile_id)
    await publish_answer(
        request,
        names.EVENT_PROFILE_CLEARED,
        station,
        result.command_id,
        profileId=profile_id,
        answer=answer,
        commandId=result.command_id,
    )
    return json_response(
        {
            "stationId": station,
            "profileId": profile_id,
            "answer": answer,
            "statusInfo": result.response.get("statusInfo"),
            "forgotten": forgotten,
            "commandId": result.command_id,
        }
    )


async def refresh(request: web.Request) -> web.Response:
    """GetChargingProfiles for every profile (criteria ``{}``), then the view is made what
    the report says the station holds."""
    station = station_id(request)
    await require_registered(request, station)
    db = request.app[DB]
    request_id = secrets.randbelow(MAX_ID) + 1
    payload = {"requestId": request_id, "chargingProfile": {}}
    asked_at = utc_now()
    result = await record_and_send(request, station, "GetChargingProfiles", payload)
    if result.status != commands.ANSWERED:
        return result_response(result)
    assert result.response is not None
    answer = result.response["status"]
    parts: list[dict[str, Any]] = []
    if answer != NO_PROFILES:
        within = request.app[SETTINGS].command_timeout
        found = await complete_report(
            lambda: charging_limits.profile_report(db, station, request_id), within
        )
        if found is None:
            raise ApiError(
                504,
                "The station's ReportChargingProfiles did not complete in time; nothing changed",
                {"commandId": result.command_id, "requestId": request_id, "answer": answer},
            )
        parts = found
    reported = [
        Reported(part["evseId"], profile, part["chargingLimitSource"])
        for part in parts
        for profile in part["chargingProfile"]
    ]
    removed, learnt = await charging_profiles.replace_from_report(
        db, station, reported, asked_at, utc_now()
    )
    docs = await charging_profiles.for_station(db, station)
    return json_response(
        {
            "commandId": result.command_id,
            "requestId": request_id,
            "answer": answer,
            "removed": removed,
            "learnt": learnt,
            "chargingProfiles": [view(d) for d in docs],
        }
    )


ROUTES = [
    web.post("/api/v1/stations/{id}/charging-profiles", set_profile),
    web.get("/api/v1/stations/{id}/charging-profiles", list_profiles),
    web.post("/api/v1/stations/{id}/charging-profiles/refresh", refresh),
    web.delete("/api/v1/stations/{id}/charging-profiles/{profileId}", clear),
]
