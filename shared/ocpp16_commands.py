"""The CSMS's 2.0.1 commands in OCPP 1.6 words, and the 1.6 answers in 2.0.1's, without I/O.

Every feature above the raw command endpoint (sites, reservations, local lists, remote
start and stop, resets) speaks 2.0.1. The gateway holding a 1.6 connection translates
such a command here, sends the 1.6 CALL, and hands back the answer translated, so the
CSMS's domain stays one whatever version a charge point speaks. A command with no 1.6
meaning (or a value 1.6 cannot carry) raises ``Untranslatable`` and is not sent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from shared import ocpp16_config_keys as config_keys
from shared.ocpp16_config_keys import Key16

Payload = dict[str, Any]

ID_TAG_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
MAX_ID_TAG = 20  # IdToken is CiString20Type in 1.6


class Untranslatable(ValueError):
    """A 2.0.1 command (or a value in it) that 1.6 has no way to say."""


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


def _status(words: dict[str, str]) -> Callable[[Payload, Payload], Payload]:
    """An answer of only a status, its 1.6 words mapped to 2.0.1's (same word if absent)."""

    def back(answer: Payload, request: Payload) -> Payload:
        return {"status": words.get(answer["status"], answer["status"])}

    return back


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


# The security whitepaper's messages ("Improved security for OCPP 1.6-J"): the same
# payloads as 2.0.1's but for the certificate kinds 1.6 knows (its own and the two roots;
# no ISO 15118) and no statusInfo in answers.

ROOTS = {
    "CSMSRootCertificate": "CentralSystemRootCertificate",
    "ManufacturerRootCertificate": "ManufacturerRootCertificate",
}
ROOTS_BACK = {v: k for k, v in ROOTS.items()}


def _root(kind: str) -> str:
    root = ROOTS.get(kind)
    if root is None:
        raise Untranslatable(
            f"1.6 holds no {kind} (only CSMSRootCertificate and ManufacturerRootCertificate)"
        )
    return root


def _certificate_signed(request: Payload) -> Payload:
    kind = request.get("certificateType", "ChargingStationCertificate")
    if kind != "ChargingStationCertificate":
        raise Untranslatable(f"1.6 installs only its own certificate, not a {kind}")
    return {"certificateChain": request["certificateChain"]}


def _install(request: Payload) -> Payload:
    return {
        "certificateType": _root(request["certificateType"]),
        "certificate": request["certificate"],
    }


def _installed_ids(request: Payload) -> Payload:
    kinds = request.get("certificateType") or []
    if len(kinds) != 1:
        raise Untranslatable(
            "1.6 lists one certificate type at a time: ask for CSMSRootCertificate or "
            "ManufacturerRootCertificate alone"
        )
    return {"certificateType": _root(kinds[0])}


def _installed_ids_answer(answer: Payload, request: Payload) -> Payload:
    """1.6 lists hash data alone: each entry gets the one type that was asked for."""
    kind = request["certificateType"][0]
    out: Payload = {"status": answer["status"]}
    chain = [
        {"certificateType": kind, "certificateHashData": data}
        for data in answer.get("certificateHashData", [])
    ]
    if chain:
        out["certificateHashDataChain"] = chain
    return out


def _signed_update(request: Payload) -> Payload:
    return {
        k: request[k] for k in ("retries", "retryInterval", "requestId", "firmware") if k in request
    }


def _core_update(request: Payload) -> Payload:
    firmware = request["firmware"]
    if "installDateTime" in firmware:
        raise Untranslatable("1.6's UpdateFirmware installs when downloaded: no installDateTime")
    out: Payload = {"location": firmware["location"], "retrieveDate": firmware["retrieveDateTime"]}
    for key in ("retries", "retryInterval"):
        if key in request:
            out[key] = request[key]
    return out


def _update_firmware(request: Payload) -> Translation:
    """Signed firmware (a signing certificate and a signature): the whitepaper's
    SignedUpdateFirmware, the same payload. Unsigned: core UpdateFirmware, whose empty answer
    means the charge point took the request (Accepted); it reports in
    FirmwareStatusNotification, without the requestId."""
    firmware = request["firmware"]
    signed = [k for k in ("signingCertificate", "signature") if k in firmware]
    if len(signed) == 2:
        return Translation("SignedUpdateFirmware", _signed_update, _status({}))
    if signed:
        raise Untranslatable(
            "1.6's SignedUpdateFirmware needs both signingCertificate and signature"
        )
    return Translation("UpdateFirmware", _core_update, lambda a, r: {"status": "Accepted"})


def _trigger_message(request: Payload) -> Translation:
    if request["requestedMessage"] in EXTENDED_TRIGGERS:
        return Translation("ExtendedTriggerMessage", _extended_trigger, _status({}))
    return Translation("TriggerMessage", _trigger, _status({}))


# SetVariables and GetVariables of one variable that is a 1.6 key of the same meaning
# (``ocpp16_config_keys``): ChangeConfiguration and GetConfiguration.

CHANGE_STATUS = {"NotSupported": "UnknownVariable"}  # 1.6: the key is not supported


def _one_key(entries: list[Payload]) -> tuple[Payload, Key16]:
    if len(entries) != 1:
        raise Untranslatable("1.6 sets or reads configuration keys one variable at a time here")
    entry = entries[0]
    component, variable = entry["component"], entry["variable"]
    plain = entry.get("attributeType", "Actual") == "Actual" and not (
        {"evse", "instance"} & set(component) or "instance" in variable
    )
    found = config_keys.KEYS.get((component["name"], variable["name"])) if plain else None
    if found is None:
        raise Untranslatable(
            f"1.6 has no configuration key for {component['name']}.{variable['name']}"
            + ("" if plain else " (with an EVSE, instance or attribute type other than Actual)")
        )
    return entry, found


def _change_configuration(request: Payload) -> Payload:
    """The password in AuthorizationKey is hex-encoded, as the security whitepaper asks (the
    charge point decodes it and logs in with the password itself)."""
    entry, key = _one_key(request["setVariableData"])
    value = entry["attributeValue"]
    return {"key": key.key, "value": value.encode().hex() if key.hex_value else value}


def _variable_of(entry: Payload) -> Payload:
    return {k: entry[k] for k in ("component", "variable", "attributeType") if k in entry}


def _change_answer(answer: Payload, request: Payload) -> Payload:
    status = CHANGE_STATUS.get(answer["status"], answer["status"])
    entry = request["setVariableData"][0]
    return {"setVariableResult": [{"attributeStatus": status, **_variable_of(entry)}]}


def _get_configuration(request: Payload) -> Payload:
    _, key = _one_key(request["getVariableData"])
    if key.write_only:
        raise Untranslatable(f"1.6's {key.key} is write-only")
    return {"key": [key.key]}


def _get_configuration_answer(answer: Payload, request: Payload) -> Payload:
    entry = request["getVariableData"][0]
    key = config_keys.KEYS[(entry["component"]["name"], entry["variable"]["name"])].key
    found = [k for k in answer.get("configurationKey", []) if k["key"] == key]
    result: Payload = {"attributeStatus": "Accepted" if found else "UnknownVariable"}
    if found and "value" in found[0]:
        result["attributeValue"] = found[0]["value"]
    return {"getVariableResult": [{**result, **_variable_of(entry)}]}


@dataclass(frozen=True)
class Translation:
    action: str  # the 1.6 action
    request: Callable[[Payload], Payload]  # 2.0.1 request -> 1.6 request
    answer: Callable[[Payload, Payload], Payload]  # 1.6 answer (+ 2.0.1 request) -> 2.0.1


Pick = Callable[[Payload], Translation]
"""For a command whose 1.6 action depends on the request (TriggerMessage, UpdateFirmware)."""

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
    "CertificateSigned": Translation("CertificateSigned", _certificate_signed, _status({})),
    "InstallCertificate": Translation("InstallCertificate", _install, _status({})),
    "GetInstalledCertificateIds": Translation(
        "GetInstalledCertificateIds", _installed_ids, _installed_ids_answer
    ),
    "DeleteCertificate": Translation(
        "DeleteCertificate",
        lambda r: {"certificateHashData": r["certificateHashData"]},
        _status({}),
    ),
    "GetLog": Translation(
        "GetLog",
        lambda r: dict(r),
        lambda answer, request: {k: answer[k] for k in ("status", "filename") if k in answer},
    ),
    "UpdateFirmware": _update_firmware,
    "SetVariables": Translation("ChangeConfiguration", _change_configuration, _change_answer),
    "GetVariables": Translation("GetConfiguration", _get_configuration, _get_configuration_answer),
}


def translation_for(action: str, request: Payload) -> Translation:
    """How the 2.0.1 ``action`` with this ``request`` is said in 1.6; ``Untranslatable``
    when it cannot be."""
    found = TRANSLATIONS.get(action)
    if found is None:
        raise Untranslatable(f"OCPP 1.6 has no {action}")
    return found if isinstance(found, Translation) else found(request)
