"""/api/v1/stations: register, inspect, list and remove charging stations."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.envelope import CredentialsChanged
from shared.names import BOOT_STATUSES, OCPP_VERSIONS
from shared.ocppj import STATION_ID_PATTERN
from shared.passwords import PasswordKeys, generate_password, is_acceptable
from store import connectors, station_state, stations

from .. import views
from ..credentials import verifier
from ..errors import ApiError, json_response, paging, read_json
from ..keys import DB, NOTICES, PASSWORD_KEYS


def station_id(request: web.Request) -> str:
    station = request.match_info["id"]
    if not STATION_ID_PATTERN.fullmatch(station):
        raise ApiError(
            400,
            "Invalid station id",
            "1 to 48 characters of a-z A-Z 0-9 * - _ = + | @ . (OCPP identifierString)",
        )
    return station


async def require_registered(request: web.Request, station: str) -> None:
    """404 unless the station is registered: for routes that act on one."""
    if await stations.get(request.app[DB], station) is None:
        raise ApiError(404, "Unknown station", station)


# What PUT accepts; the OpenAPI description's StationInput lists the same (tested).
FIELDS = ("password", "generatePassword", "securityProfile", "bootPolicy", "ocppVersions")


def _ocpp_versions(value: Any) -> list[str] | None:
    """The OCPP versions a station may connect with: a non-empty list of known names, none
    twice; null for whatever the deployment accepts (OCPP_VERSIONS)."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or any(v not in OCPP_VERSIONS for v in value)
        or len(set(value)) != len(value)
    ):
        raise ApiError(
            422,
            "ocppVersions must be null or a non-empty list, without repeats, of "
            + ", ".join(OCPP_VERSIONS),
        )
    return list(value)


async def _fields(
    body: dict[str, Any], keys: PasswordKeys
) -> tuple[dict[str, Any], list[str], str | None]:
    """Fields to set, fields to unset, and the password the CSMS generated (if asked to)."""
    fields: dict[str, Any] = {}
    unset: list[str] = []
    generated: str | None = None
    unknown = set(body) - set(FIELDS)
    if unknown:
        raise ApiError(422, "Unknown fields", sorted(unknown))
    generate = body.get("generatePassword", False)
    if type(generate) is not bool:
        raise ApiError(422, "generatePassword must be true or false")
    if generate and "password" in body:
        raise ApiError(422, "Give password or generatePassword, not both")
    if generate:
        generated = generate_password()
        fields["passwordHash"] = await verifier(generated, True, keys)
    elif "password" in body:
        password = body["password"]
        if password is None:
            unset.append("passwordHash")
        elif not isinstance(password, str) or not is_acceptable(password):
            raise ApiError(
                422, "Invalid password", "16 to 64 characters of a-z A-Z 0-9 * - _ = : + | @ ."
            )
        else:
            fields["passwordHash"] = await verifier(password, False, keys)
    if "securityProfile" in body:
        profile = body["securityProfile"]
        if type(profile) is not int or not 0 <= profile <= 3:
            raise ApiError(422, "securityProfile must be 0, 1, 2 or 3")
        fields["securityProfile"] = profile
    if "bootPolicy" in body:
        policy = body["bootPolicy"]
        if policy is None:
            unset.append("bootPolicy")
        elif policy not in BOOT_STATUSES:
            raise ApiError(422, "bootPolicy must be null or one of " + ", ".join(BOOT_STATUSES))
        else:
            fields["bootPolicy"] = policy
    if "ocppVersions" in body:
        versions = _ocpp_versions(body["ocppVersions"])
        if versions is None:
            unset.append("ocppVersions")
        else:
            fields["ocppVersions"] = versions
    return fields, unset, generated


async def put_station(request: web.Request) -> web.Response:
    """Register or update; with ``generatePassword`` the answer shows the new password,
    once: only its verifier is stored."""
    view, created = await register(request, station_id(request), await read_json(request))
    return json_response(view, 201 if created else 200)


async def register(
    request: web.Request, station: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """What PUT does, for the API and the console's form alike: the station as the API
    shows it (with a generated password, once) and whether it is new."""
    fields, unset, generated = await _fields(body, request.app[PASSWORD_KEYS])
    db = request.app[DB]
    defaults = {}  # a new station's profile, unless given: 1 with a password, else 0
    if "securityProfile" not in fields:
        defaults["securityProfile"] = 1 if "passwordHash" in fields else 0
    created = await stations.upsert(db, station, fields, on_insert=defaults)
    for field in unset:
        await stations.unset(db, station, field)
    password_replaced = "passwordHash" in fields or "passwordHash" in unset
    versions_changed = "ocppVersions" in fields or "ocppVersions" in unset
    if password_replaced or "securityProfile" in fields or versions_changed:
        # A change of ocppVersions drops the cached handshakes (they carry the versions), and
        # the gateway holding the station ends a connection whose version is left out: the
        # station reconnects and negotiates under the new list.
        notice = CredentialsChanged(
            station,
            fields.get("securityProfile", 0),
            password_replaced,
            ocpp_versions=fields.get("ocppVersions"),
        )
        await tell_gateways(request, notice)
    doc = await stations.with_state(db, station, created=created)
    assert doc is not None
    view = views.station(doc)
    if generated is not None:
        view["password"] = generated
    return view, created


async def get_station(request: web.Request) -> web.Response:
    station = station_id(request)
    db = request.app[DB]
    doc = await stations.with_state(db, station)
    if doc is None:
        raise ApiError(404, "Unknown station", station)
    return json_response(views.station(doc, await connectors.for_station(db, station)))


async def list_stations(request: web.Request) -> web.Response:
    limit, skip = paging(request)
    db = request.app[DB]
    docs = await stations.list_all(db, limit, skip)
    states = [await station_state.get_all(db, d["_id"]) for d in docs]
    return json_response(
        {"stations": [views.station({**d, **s}) for d, s in zip(docs, states, strict=True)]}
    )


async def delete_station(request: web.Request) -> web.Response:
    station = station_id(request)
    if not await stations.delete(request.app[DB], station):
        raise ApiError(404, "Unknown station", station)
    await station_state.delete_all(request.app[DB], station)
    await tell_gateways(request, CredentialsChanged(station, deleted=True))
    return web.Response(status=204)


async def tell_gateways(request: web.Request, notice: CredentialsChanged) -> None:
    """After a stored change of credentials: every gateway forgets the station's cached
    handshakes and ends a live connection the change no longer admits."""
    try:
        await request.app[NOTICES].credentials_changed(notice)
    except Exception as exc:
        raise ApiError(
            503,
            "Stored, but the gateways could not be told: until their cached handshakes "
            "expire (GATEWAY_AUTH_CACHE_SECONDS) they may still admit the old credentials",
            repr(exc),
        ) from exc


ROUTES = [
    web.get("/api/v1/stations", list_stations),
    web.put("/api/v1/stations/{id}", put_station),
    web.get("/api/v1/stations/{id}", get_station),
    web.delete("/api/v1/stations/{id}", delete_station),
]
