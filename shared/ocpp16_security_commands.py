"""The CSMS's 2.0.1 security, log, firmware and configuration commands in the words of
OCPP 1.6 with the OCA security whitepaper ("Improved security for OCPP 1.6-J", whose
messages are in the ``ocpp`` package's v16 schemas), and the answers back. Pure; part of
``ocpp16_commands.TRANSLATIONS``."""

from __future__ import annotations

from shared import ocpp16_config_keys as config_keys
from shared.ocpp16_config_keys import Key16
from shared.ocpp16_translation import Payload, Pick, Translation, Untranslatable, status_answer

# The security whitepaper's messages ("Improved security for OCPP 1.6-J"): the same
# payloads as 2.0.1's but for the certificate kinds 1.6 knows (its own and the two roots;
# no ISO 15118) and no statusInfo in answers.

ROOTS = {
    "CSMSRootCertificate": "CentralSystemRootCertificate",
    "ManufacturerRootCertificate": "ManufacturerRootCertificate",
}


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
        return Translation("SignedUpdateFirmware", _signed_update, status_answer({}))
    if signed:
        raise Untranslatable(
            "1.6's SignedUpdateFirmware needs both signingCertificate and signature"
        )
    return Translation("UpdateFirmware", _core_update, lambda a, r: {"status": "Accepted"})


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


SECURITY_TRANSLATIONS: dict[str, Translation | Pick] = {
    "CertificateSigned": Translation("CertificateSigned", _certificate_signed, status_answer({})),
    "InstallCertificate": Translation("InstallCertificate", _install, status_answer({})),
    "GetInstalledCertificateIds": Translation(
        "GetInstalledCertificateIds", _installed_ids, _installed_ids_answer
    ),
    "DeleteCertificate": Translation(
        "DeleteCertificate",
        lambda r: {"certificateHashData": r["certificateHashData"]},
        status_answer({}),
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
