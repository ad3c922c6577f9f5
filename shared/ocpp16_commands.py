"""The CSMS's 2.0.1 commands in OCPP 1.6 words, and the 1.6 answers in 2.0.1's, without I/O.

Every feature above the raw command endpoint (sites, reservations, local lists, remote
start and stop, resets) speaks 2.0.1. The gateway holding a 1.6 connection translates
such a command here, sends the 1.6 CALL, and hands back the answer translated, so the
CSMS's domain stays one whatever version a charge point speaks. A command with no 1.6
meaning (or a value 1.6 cannot carry) raises ``Untranslatable`` and is not sent.

The core messages are here; the security whitepaper's and the configuration keys are in
``ocpp16_security_commands``, joined into ``TRANSLATIONS``; what a translation is, in
``ocpp16_translation``.
"""

from __future__ import annotations

import math

import orjson

from shared.ocpp16_security_commands import SECURITY_TRANSLATIONS
from shared.ocpp16_translation import (
    Payload,
    Pick,
    Translation,
    Untranslatable,
)
from shared.ocpp16_translation import status_answer as _status

ID_TAG_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
MAX_ID_TAG = 20  # IdToken is CiString20Type in 1.6


def id_tag_info(info: Payload) -> Payload:
    """A 2.0.1 IdTokenInfo in 1.6 words: 1.6 has five statuses, and the others all mean
    "not allowed" there."""
    status = info["status"] if info["status"] in ID_TAG_STATUSES else "Invalid"
    tag: Payload = {"status": status}
    if "cacheExpiryDateTime" in info:
        tag["expiryDate"] = info["cacheExpiryDateTime"]
    group = (info.get("groupIdToken") or {}).get("idToken")
    if group and len(group) <= MAX_ID_TAG:
        tag["parentIdTag"] = group
    return tag


def _id_tag(token: Payload) -> str:
    value = str(token["idToken"])
    if len(value) > MAX_ID_TAG:
        raise Untranslatable(f"idToken {value!r} is longer than 1.6's 20 characters")
    return value


def _transaction_id(value: str) -> int:
    if not value.isdigit():
        raise Untranslatable(f"transactionId {value!r} is not a 1.6 (integer) transaction")
    return int(value)


def _limit(value: float) -> float:
    """1.6 limits are multiples of 0.1: rounded down, never above what was allocated."""
    return math.floor(round(value * 10, 6)) / 10


PURPOSES = {
    "ChargingStationMaxProfile": "ChargePointMaxProfile",
    "TxDefaultProfile": "TxDefaultProfile",
    "TxProfile": "TxProfile",
}


def _profile(profile: Payload) -> Payload:
    purpose = PURPOSES.get(profile["chargingProfilePurpose"])
    if purpose is None:
        raise Untranslatable(f"1.6 has no {profile['chargingProfilePurpose']} profiles")
    schedules = profile["chargingSchedule"]
    if len(schedules) != 1:
        raise Untranslatable("1.6 profiles hold exactly one charging schedule")
    schedule = schedules[0]
    out_schedule: Payload = {
        "chargingRateUnit": schedule["chargingRateUnit"],
        "chargingSchedulePeriod": [
            {"startPeriod": p["startPeriod"], "limit": _limit(p["limit"])}
            | ({"numberPhases": p["numberPhases"]} if "numberPhases" in p else {})
            for p in schedule["chargingSchedulePeriod"]
        ],
    }
    for key in ("duration", "startSchedule", "minChargingRate"):
        if key in schedule:
            out_schedule[key] = schedule[key]
    out: Payload = {
        "chargingProfileId": profile["id"],
        "stackLevel": profile["stackLevel"],
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": profile["chargingProfileKind"],
        "chargingSchedule": out_schedule,
    }
    for key in ("recurrencyKind", "validFrom", "validTo"):
        if key in profile:
            out[key] = profile[key]
    if "transactionId" in profile:
        out["transactionId"] = _transaction_id(profile["transactionId"])
    return out


TRIGGERS = {
    "BootNotification": "BootNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "StatusNotification": "StatusNotification",
}
"""What 1.6's core TriggerMessage asks for. FirmwareStatusNotification stays here (every 1.6
charge point has it) though a SignedUpdateFirmware reports in SignedFirmwareStatusNotification:
the CSMS handles both alike."""
EXTENDED_TRIGGERS = {
    "LogStatusNotification": "LogStatusNotification",
    "SignChargingStationCertificate": "SignChargePointCertificate",
}
"""What only the security whitepaper's ExtendedTriggerMessage asks for: the status of a
GetLog upload (sent as 1.6 GetLog, whose progress is LogStatusNotification; core's
DiagnosticsStatusNotification is that of GetDiagnostics, which the CSMS never sends) and a
new CSR for the charge point's own certificate (certificate renewal)."""


def _trigger(request: Payload) -> Payload:
    wanted = TRIGGERS.get(request["requestedMessage"])
    if wanted is None:
        raise Untranslatable(f"1.6 cannot trigger {request['requestedMessage']}")
    return _trigger_payload(wanted, request)


def _extended_trigger(request: Payload) -> Payload:
    return _trigger_payload(EXTENDED_TRIGGERS[request["requestedMessage"]], request)


def _trigger_payload(wanted: str, request: Payload) -> Payload:
    out: Payload = {"requestedMessage": wanted}
    if "evse" in request:
        out["connectorId"] = request["evse"]["id"]
    return out


def _remote_start(request: Payload) -> Payload:
    if "chargingProfile" in request:
        raise Untranslatable("a remote start with a charging profile (send it separately)")
    out: Payload = {"idTag": _id_tag(request["idToken"])}
    if "evseId" in request:
        out["connectorId"] = request["evseId"]
    return out


def _reset(request: Payload) -> Payload:
    if "evseId" in request:
        raise Untranslatable("1.6 resets the whole charge point, not one EVSE")
    return {"type": "Hard" if request["type"] == "Immediate" else "Soft"}


def _availability(request: Payload) -> Payload:
    evse = request.get("evse") or {}
    return {"connectorId": evse.get("id", 0), "type": request["operationalStatus"]}


def _reserve(request: Payload) -> Payload:
    """1.6 reserves a connector by its id (0: any); a connector type alone (2.0.1: any EVSE
    with one) would become a reservation of every connector, so it is refused. With an
    evseId the type is that connector's own, and is left out."""
    if "connectorType" in request and "evseId" not in request:
        raise Untranslatable("1.6 reserves a connector by its id, not by its type: give evseId")
    out: Payload = {
        "connectorId": request.get("evseId", 0),
        "expiryDate": request["expiryDateTime"],
        "idTag": _id_tag(request["idToken"]),
        "reservationId": request["id"],
    }
    if "groupIdToken" in request:
        out["parentIdTag"] = _id_tag(request["groupIdToken"])
    return out


def _local_list(request: Payload) -> Payload:
    entries = []
    for entry in request.get("localAuthorizationList", []):
        item: Payload = {"idTag": _id_tag(entry["idToken"])}
        if "idTokenInfo" in entry:
            item["idTagInfo"] = id_tag_info(entry["idTokenInfo"])
        entries.append(item)
    out: Payload = {"listVersion": request["versionNumber"], "updateType": request["updateType"]}
    if entries:
        out["localAuthorizationList"] = entries
    return out


def _clear_profile(request: Payload) -> Payload:
    out: Payload = {}
    if "chargingProfileId" in request:
        out["id"] = request["chargingProfileId"]
    criteria = request.get("chargingProfileCriteria") or {}
    if "evseId" in criteria:
        out["connectorId"] = criteria["evseId"]
    if "chargingProfilePurpose" in criteria:
        purpose = PURPOSES.get(criteria["chargingProfilePurpose"])
        if purpose is None:
            raise Untranslatable(f"1.6 has no {criteria['chargingProfilePurpose']} profiles")
        out["chargingProfilePurpose"] = purpose
    if "stackLevel" in criteria:
        out["stackLevel"] = criteria["stackLevel"]
    return out


def _composite_request(request: Payload) -> Payload:
    out: Payload = {"connectorId": request["evseId"], "duration": request["duration"]}
    if "chargingRateUnit" in request:
        out["chargingRateUnit"] = request["chargingRateUnit"]
    return out


def _composite_answer(answer: Payload, request: Payload) -> Payload:
    out: Payload = {"status": answer["status"]}
    schedule = answer.get("chargingSchedule")
    if answer["status"] == "Accepted" and schedule is not None:
        out["schedule"] = {
            "evseId": answer.get("connectorId", request["evseId"]),
            "duration": schedule.get("duration", request["duration"]),
            "scheduleStart": answer.get("scheduleStart") or schedule.get("startSchedule"),
            "chargingRateUnit": schedule["chargingRateUnit"],
            "chargingSchedulePeriod": schedule["chargingSchedulePeriod"],
        }
        if out["schedule"]["scheduleStart"] is None:
            del out["schedule"]  # 2.0.1 requires it; the status alone then
    return out


def _data_transfer(request: Payload) -> Payload:
    out: Payload = {k: request[k] for k in ("vendorId", "messageId") if k in request}
    if "data" in request:
        data = request["data"]
        out["data"] = data if isinstance(data, str) else orjson.dumps(data).decode()
    return out


def _data_answer(answer: Payload, request: Payload) -> Payload:
    return {k: answer[k] for k in ("status", "data") if k in answer}


def _trigger_message(request: Payload) -> Translation:
    if request["requestedMessage"] in EXTENDED_TRIGGERS:
        return Translation("ExtendedTriggerMessage", _extended_trigger, _status({}))
    return Translation("TriggerMessage", _trigger, _status({}))


TRANSLATIONS: dict[str, Translation | Pick] = {
    "RequestStartTransaction": Translation("RemoteStartTransaction", _remote_start, _status({})),
    "RequestStopTransaction": Translation(
        "RemoteStopTransaction",
        lambda r: {"transactionId": _transaction_id(r["transactionId"])},
        _status({}),
    ),
    "Reset": Translation("Reset", _reset, _status({})),
    "UnlockConnector": Translation(
        "UnlockConnector",
        lambda r: {"connectorId": r["evseId"]},
        _status({"NotSupported": "UnlockFailed"}),
    ),
    "ChangeAvailability": Translation("ChangeAvailability", _availability, _status({})),
    "TriggerMessage": _trigger_message,
    "ClearCache": Translation("ClearCache", lambda r: {}, _status({})),
    "DataTransfer": Translation("DataTransfer", _data_transfer, _data_answer),
    "SetChargingProfile": Translation(
        "SetChargingProfile",
        lambda r: {
            "connectorId": r["evseId"],
            "csChargingProfiles": _profile(r["chargingProfile"]),
        },
        _status({"NotSupported": "Rejected"}),
    ),
    "ClearChargingProfile": Translation("ClearChargingProfile", _clear_profile, _status({})),
    "GetCompositeSchedule": Translation(
        "GetCompositeSchedule", _composite_request, _composite_answer
    ),
    "ReserveNow": Translation("ReserveNow", _reserve, _status({})),
    "CancelReservation": Translation(
        "CancelReservation", lambda r: {"reservationId": r["reservationId"]}, _status({})
    ),
    "SendLocalList": Translation("SendLocalList", _local_list, _status({"NotSupported": "Failed"})),
    "GetLocalListVersion": Translation(
        "GetLocalListVersion",
        lambda r: {},
        lambda answer, request: {"versionNumber": answer["listVersion"]},
    ),
    **SECURITY_TRANSLATIONS,
}


def translation_for(action: str, request: Payload) -> Translation:
    """How the 2.0.1 ``action`` with this ``request`` is said in 1.6; ``Untranslatable``
    when it cannot be."""
    found = TRANSLATIONS.get(action)
    if found is None:
        raise Untranslatable(f"OCPP 1.6 has no {action}")
    return found if isinstance(found, Translation) else found(request)
