"""Station credentials (A01 password rotation) and the station's security events (A04);
certificates are in ``certificates``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared import commands
from shared.envelope import CredentialsChanged
from shared.events import iso
from shared.passwords import generate_password, is_acceptable
from store import commands as command_store
from store import records, stations

from ..credentials import verifier
from ..errors import ApiError, json_response, paging, read_json
from ..keys import COMMANDS, DB, PASSWORD_KEYS, SETTINGS
from .commands import result_response
from .stations import require_registered, station_id, tell_gateways


async def rotate_password(request: web.Request) -> web.Response:
    """Send the new password to the station; store its hash only if the station accepted
    it, so the old password keeps working when it did not."""
    station = station_id(request)
    db = request.app[DB]
    await require_registered(request, station)
    body = await read_json(request)
    password = body.get("password")
    generated = password is None
    if generated:
        password = generate_password()
    elif not isinstance(password, str) or not is_acceptable(password):
        raise ApiError(
            422, "Invalid password", "16 to 64 characters of a-z A-Z 0-9 * - _ = : + | @ ."
        )
    payload = {
        "setVariableData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "attributeValue": password,
            }
        ]
    }
    command_id = commands.new_command_id()
    await command_store.record_pending(db, command_id, station, "SetVariables", payload, "api")
    result = await request.app[COMMANDS].send(
        station,
        "SetVariables",
        payload,
        command_id=command_id,
        timeout=request.app[SETTINGS].command_timeout,
    )
    assert result is not None
    if result.status != commands.ANSWERED:
        return result_response(result)
    verdict = (result.response or {})["setVariableResult"][0]["attributeStatus"]
    if verdict != "Accepted":
        raise ApiError(
            409,
            "Station did not accept the new password; the old one still works",
            {"commandId": command_id, "attributeStatus": verdict},
        )
    stored = await verifier(password, generated, request.app[PASSWORD_KEYS])
    await stations.set_fields(db, station, {"passwordHash": stored})
    # The station accepted the new password over its live connection, which stays (it
    # reconnects with the new one, A01); only cached checks of the old one must go.
    await tell_gateways(request, CredentialsChanged(station))
    answer = {"commandId": command_id, "status": "rotated"}
    if generated:
        answer["password"] = password  # shown once; only its verifier is kept
    return json_response(answer)


def event_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A security event, the station's own (``source`` station) or one the CSMS recorded
    for it (``csms``: a refused login, a certificate not renewed)."""
    return {
        "type": doc["type"],
        "timestamp": iso(doc["timestamp"]),
        "techInfo": doc.get("techInfo"),
        "source": doc.get("source"),
        "receivedAt": iso(doc["receivedAt"]) if doc.get("receivedAt") else None,
    }


async def list_security_events(request: web.Request) -> web.Response:
    station = station_id(request)
    limit, skip = paging(request)
    await require_registered(request, station)
    docs, total = await records.security_events(request.app[DB], station, limit, skip)
    return json_response({"securityEvents": [event_view(d) for d in docs], "total": total})


ROUTES = [
    web.post("/api/v1/stations/{id}/password", rotate_password),
    web.get("/api/v1/stations/{id}/security-events", list_security_events),
]
