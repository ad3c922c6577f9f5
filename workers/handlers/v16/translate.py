"""OCPP 1.6 <-> 2.0.1 payloads, without I/O: what each 1.6 message means in the 2.0.1
domain, and how a 2.0.1 verdict reads in 1.6. Word lists are the two specs' enumerations
(1.6: OCPP 1.6 edition 2 section 7; 2.0.1: part 2 section 3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared import commands, schemas

Payload = dict[str, Any]

# 1.6 measures a few things 2.0.1 has no word for (Temperature, RPM): such samples are not
# translated, and stay in the transaction event's ``customData`` with the whole 1.6 request.
MEASURANDS: frozenset[str] = frozenset(
    schemas.load("MeterValues", "Request")["definitions"]["MeasurandEnumType"]["enum"]
)
ORIGINAL = "org.openchargealliance.ocpp1.6"  # customData.vendorId of a translated event


def _original(request: Payload) -> Payload:
    """The 1.6 request, kept with the 2.0.1 event made from it (2.0.1 customData)."""
    return {"vendorId": ORIGINAL, "request": request}


# ChargePointStatus (1.6) -> ConnectorStatusEnumType (2.0.1): 2.0.1 folds every state of a
# connector in use into Occupied (its transaction events carry the rest).
CONNECTOR_STATUS = {
    "Available": "Available",
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "SuspendedEVSE": "Occupied",
    "SuspendedEV": "Occupied",
    "Finishing": "Occupied",
    "Reserved": "Reserved",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}


# StopTransaction.reason (1.6) -> the 2.0.1 TriggerReason of the Ended event.
STOP_TRIGGERS = {
    "DeAuthorized": "Deauthorized",
    "EmergencyStop": "AbnormalCondition",
    "EVDisconnected": "EVCommunicationLost",
    "HardReset": "ResetCommand",
    "Local": "StopAuthorized",
    "Other": "StopAuthorized",
    "PowerLoss": "AbnormalCondition",
    "Reboot": "ResetCommand",
    "Remote": "RemoteStop",
    "SoftReset": "ResetCommand",
    "UnlockCommand": "UnlockCommand",
}

DIAGNOSTICS_STATUS = {  # DiagnosticsStatus (1.6) -> UploadLogStatusEnumType (2.0.1)
    "Idle": "Idle",
    "Uploaded": "Uploaded",
    "UploadFailed": "UploadFailure",
    "Uploading": "Uploading",
}

_UNITS = {"Celcius": "Celsius"}  # 1.6's misspelling, kept by its schema
ENERGY = "Energy.Active.Import.Register"  # 1.6 and 2.0.1 default measurand


def boot_notification(request: Payload) -> Payload:
    station = {"vendorName": request["chargePointVendor"], "model": request["chargePointModel"]}
    serial = request.get("chargePointSerialNumber") or request.get("chargeBoxSerialNumber")
    if serial:
        station["serialNumber"] = serial
    if "firmwareVersion" in request:
        station["firmwareVersion"] = request["firmwareVersion"]
    modem = {k: request[k] for k in ("iccid", "imsi") if k in request}
    if modem:
        station["modem"] = modem
    return {"reason": "PowerUp", "chargingStation": station}


def evse_of(connector_id: int) -> Payload:
    """1.6 numbers connectors from 1 per charge point (0: the whole of it); 2.0.1 numbers
    EVSEs. One connector per EVSE, as 1.6 stations are modelled (2.0.1 part 2, 1.2)."""
    return {"id": connector_id, "connectorId": 1 if connector_id else 0}


def status_notification(request: Payload, now: str) -> Payload:
    evse = evse_of(request["connectorId"])
    return {
        "timestamp": request.get("timestamp", now),
        "connectorStatus": CONNECTOR_STATUS[request["status"]],
        "evseId": evse["id"],
        "connectorId": evse["connectorId"],
    }


def id_token(id_tag: str, token_type: str) -> Payload:
    """A 1.6 idTag is a 2.0.1 idToken of the type ``id_tag_type`` gives it."""
    return {"idToken": id_tag, "type": token_type}


def id_tag_type(stored: str | None, unknown: str) -> str:
    """The 2.0.1 type of a 1.6 idTag, given the type of the id token the CSMS holds under
    that value (None: none). 1.6 has no types, and the CSMS holds one token per value: the
    idTag is that token, whatever type it was registered with, as the local list sent to
    the charge point says. One the CSMS does not know is of the ``unknown`` type
    (OCPP16_ID_TAG_TYPE). Not NoAuthorization, which 2.0.1 uses for no token at all: an
    idTag is always one presented."""
    if stored is None or stored == "NoAuthorization":
        return unknown
    return stored


def sampled_value(value: Payload) -> Payload | None:
    """One 1.6 SampledValue as 2.0.1's, or None for what 2.0.1 cannot hold (SignedData, a
    value that is not a number, a measurand 2.0.1 does not have)."""
    if value.get("format") == "SignedData" or value.get("measurand", ENERGY) not in MEASURANDS:
        return None
    try:
        number = float(value["value"])
    except ValueError:
        return None
    sample: Payload = {"value": number}
    for key in ("context", "measurand", "phase", "location"):
        if key in value:
            sample[key] = value[key]
    if "unit" in value:
        sample["unitOfMeasure"] = {"unit": _UNITS.get(value["unit"], value["unit"])}
    return sample


def meter_values(values: list[Payload]) -> list[Payload]:
    """1.6 MeterValue list as 2.0.1's; a reading left with no sampled value is dropped (2.0.1
    requires at least one)."""
    out = []
    for reading in values:
        samples = [s for s in map(sampled_value, reading["sampledValue"]) if s is not None]
        if samples:
            out.append({"timestamp": reading["timestamp"], "sampledValue": samples})
    return out


def register(timestamp: str, wh: int, context: str) -> Payload:
    """StartTransaction.meterStart / StopTransaction.meterStop as an energy register reading."""
    sample = {"value": float(wh), "context": context, "measurand": ENERGY}
    return {"timestamp": timestamp, "sampledValue": [sample | {"unitOfMeasure": {"unit": "Wh"}}]}


def transaction_started(request: Payload, transaction_id: int, token_type: str) -> Payload:
    event: Payload = {
        "eventType": "Started",
        "timestamp": request["timestamp"],
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": str(transaction_id), "chargingState": "Charging"},
        "evse": evse_of(request["connectorId"]),
        "idToken": id_token(request["idTag"], token_type),
        "meterValue": [register(request["timestamp"], request["meterStart"], "Transaction.Begin")],
    }
    if "reservationId" in request:
        event["reservationId"] = request["reservationId"]
    return event


def transaction_ended(request: Payload, seq_no: int, token_type: str) -> Payload:
    reason = request.get("reason", "Local")
    readings = meter_values(request.get("transactionData", []))
    readings.append(register(request["timestamp"], request["meterStop"], "Transaction.End"))
    event: Payload = {
        "eventType": "Ended",
        "timestamp": request["timestamp"],
        "triggerReason": STOP_TRIGGERS.get(reason, "StopAuthorized"),
        "seqNo": seq_no,
        "transactionInfo": {
            "transactionId": str(request["transactionId"]),
            "stoppedReason": reason,
            "chargingState": "Idle",
        },
        "meterValue": readings,
        "customData": _original(request),
    }
    if "idTag" in request:
        event["idToken"] = id_token(request["idTag"], token_type)
    return event


def transaction_updated(request: Payload, seq_no: int) -> Payload | None:
    """MeterValues of a running transaction as its Updated event (None: nothing numeric)."""
    readings = meter_values(request["meterValue"])
    if not readings:
        return None
    return {
        "eventType": "Updated",
        "timestamp": readings[-1]["timestamp"],
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": str(request["transactionId"])},
        "evse": evse_of(request["connectorId"]),
        "meterValue": readings,
        "customData": _original(request),
    }


REMOTE_START_WINDOW = timedelta(minutes=3)
"""How long after a RemoteStartTransaction a StartTransaction of its idTag is taken for the
one it asked for: 1.6 has no remoteStartId, and a charge point waits for the cable its
ConnectionTimeOut (commonly a minute or two), then forgets the remote start."""


def remote_starts(sent: list[Payload], start: Payload, now: datetime) -> list[str]:
    """The ids of the RemoteStartTransaction commands (stored command documents) that
    ``start`` (a StartTransaction received at ``now``) may be the answer to, the latest
    first: same idTag, same connector when the command named one, sent within
    ``REMOTE_START_WINDOW`` before, and not refused or unsent (its outcome may not be
    recorded yet)."""
    found = [
        c
        for c in sent
        if c["action"] == "RemoteStartTransaction"
        and c["request"].get("idTag") == start["idTag"]
        and c["request"].get("connectorId", start["connectorId"]) == start["connectorId"]
        and now - REMOTE_START_WINDOW <= c["createdAt"] <= now
        and c.get("status") in (commands.PENDING, commands.ANSWERED)
        and (c.get("response") or {}).get("status", "Accepted") == "Accepted"
    ]
    return [c["_id"] for c in sorted(found, key=lambda c: c["createdAt"], reverse=True)]
