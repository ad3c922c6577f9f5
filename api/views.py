"""How stored documents are shown to operators: camelCase, ISO dates, no internals
(never a password hash)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared import names
from shared.events import iso
from shared.passwords import stored_key_id


def _time(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def station(
    doc: Mapping[str, Any], connectors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    boot = doc.get(names.STATE_BOOT)
    connection = doc.get("connection")
    view: dict[str, Any] = {
        "id": doc["_id"],
        "securityProfile": doc.get("securityProfile", 0),
        "hasPassword": "passwordHash" in doc,
        # Which STATION_PASSWORD_KEY made a generated password's verifier (README, Security).
        "passwordKeyId": stored_key_id(doc.get("passwordHash") or ""),
        "bootPolicy": doc.get("bootPolicy"),
        # The OCPP versions the station may connect with; null: any OCPP_VERSIONS allows.
        "ocppVersions": doc.get("ocppVersions"),
        "connected": bool(connection),
        "connection": None
        if not connection
        else {
            "gateway": connection.get("gateway"),
            "remote": connection.get("remote"),
            "since": _time(connection.get("since")),
            "ocppVersion": connection.get("ocppVersion"),
        },
        "boot": None
        if not boot
        else {
            "status": boot["status"],
            "reason": boot.get("reason"),
            "at": _time(boot.get("at")),
            "chargingStation": boot.get("chargingStation"),
        },
        "lastSeen": _time(doc.get("lastSeen")),
        "firmwareStatus": _status(doc.get(names.STATE_FIRMWARE_STATUS)),
        "logStatus": _status(doc.get(names.STATE_LOG_STATUS)),
        "createdAt": _time(doc.get("createdAt")),
        "firmwareUpdate": _status(doc.get(names.STATE_FIRMWARE_UPDATE)),
        "logRequest": _status(doc.get(names.STATE_LOG_REQUEST)),
        "networkProfiles": doc.get(names.STATE_NETWORK_PROFILES, []),
    }
    if connectors is not None:
        view["connectors"] = [
            {
                "evseId": c["evseId"],
                "connectorId": c["connectorId"],
                "status": c["status"],
                "timestamp": _time(c.get("timestamp")),
            }
            for c in connectors
        ]
    return view


def _status(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if not value else {**value, "at": _time(value.get("at"))}


def id_token(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "idToken": doc["_id"],
        "type": doc["type"],
        "status": doc["status"],
        "groupIdToken": doc.get("groupIdToken"),
        "expiresAt": _time(doc.get("expiresAt")),
        "personalMessage": doc.get("personalMessage"),
    }


def transaction(
    doc: Mapping[str, Any], events: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    start, last = doc.get("meterStartWh"), doc.get("meterLastWh")
    view: dict[str, Any] = {
        "transactionId": doc["transactionId"],
        "stationId": doc["station"],
        "evseId": doc.get("evseId"),
        "connectorId": doc.get("connectorId"),
        "idToken": doc.get("idToken"),
        "masterPassIdToken": doc.get("masterPassIdToken"),
        "state": "ended" if doc.get("endedAt") else "active",
        "chargingState": doc.get("chargingState"),
        "remoteStartId": doc.get("remoteStartId"),
        "reservationId": doc.get("reservationId"),
        "startedAt": _time(doc.get("startedAt")),
        "endedAt": _time(doc.get("endedAt")),
        "stoppedReason": doc.get("stoppedReason"),
        "meterStartWh": start,
        "meterLastWh": last,
        "energyWh": (last - start) if start is not None and last is not None else None,
        "lastSeqNo": doc.get("lastSeqNo"),
        "commandId": doc.get("commandId"),
        "cost": doc.get("cost"),
        "currency": doc.get("currency"),
        "ocppVersion": doc.get("ocppVersion"),
    }
    if events is not None:
        view["events"] = [
            {
                "seqNo": e["seqNo"],
                "eventType": e["eventType"],
                "timestamp": _time(e["timestamp"]),
                "triggerReason": e["triggerReason"],
                "request": e["request"],
            }
            for e in events
        ]
    return view


def meter_value(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "timestamp": _time(doc["timestamp"]),
        "evseId": doc.get("evseId"),
        "source": doc.get("source"),
        "sampledValue": doc["sampledValue"],
    }


def command(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "commandId": doc["_id"],
        "stationId": doc["station"],
        "action": doc["action"],
        "status": doc["status"],
        "request": doc.get("request"),
        "response": doc.get("response"),
        "error": doc.get("error"),
        "source": doc.get("source"),
        "transactionId": doc.get("transactionId"),
        "createdAt": _time(doc.get("createdAt")),
        "sentAt": _time(doc.get("sentAt")),
        "completedAt": _time(doc.get("completedAt")),
    }


def api_key(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Never the key nor its digest: the key is shown once, when it is created."""
    return {
        "id": doc["_id"],
        "name": doc["name"],
        "role": doc["role"],
        "createdAt": _time(doc.get("createdAt")),
        "createdBy": doc.get("createdBy"),
        "revokedAt": _time(doc.get("revokedAt")),
    }


def audit_entry(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "requestId": doc.get("requestId"),
        "at": _time(doc.get("at")),
        **{k: doc.get(k) for k in ("keyId", "keyName", "role", "method", "path", "station")},
        **{k: doc.get(k) for k in ("status", "ms", "remote")},
    }
