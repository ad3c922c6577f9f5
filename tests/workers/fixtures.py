"""One valid request per routed action, the payloads a real station would send."""

from __future__ import annotations

from typing import Any

from shared import pki
from tests.simulator import BOOT, now

REQUESTS: dict[str, dict[str, Any]] = {
    "Authorize": {"idToken": {"idToken": "UNKNOWN-TOKEN", "type": "ISO14443"}},
    "BootNotification": BOOT,
    "ClearedChargingLimit": {"chargingLimitSource": "EMS", "evseId": 1},
    "DataTransfer": {"vendorId": "com.example", "messageId": "hello", "data": {"a": 1}},
    "FirmwareStatusNotification": {"status": "Downloading", "requestId": 5},
    "Get15118EVCertificate": {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": "Install",
        "exiRequest": "gAEC",
    },
    "GetCertificateStatus": {
        "ocspRequestData": {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "11" * 32,
            "issuerKeyHash": "22" * 32,
            "serialNumber": "0A1B",
            "responderURL": "http://127.0.0.1:1/ocsp",  # nobody listens: Failed at once
        }
    },
    "Heartbeat": {},
    "ReportChargingProfiles": {
        "requestId": 9,
        "chargingLimitSource": "CSO",
        "evseId": 1,
        "tbc": True,
        "chargingProfile": [
            {
                "id": 3,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 3,
                        "startSchedule": "2030-01-01T00:00:00Z",
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0}],
                    }
                ],
            }
        ],
    },
    "ReservationStatusUpdate": {"reservationId": 7, "reservationUpdateStatus": "Expired"},
    "LogStatusNotification": {"status": "Uploading", "requestId": 6},
    "MeterValues": {
        "evseId": 1,
        "meterValue": [
            {
                "timestamp": now(),
                "sampledValue": [{"value": 230.1, "measurand": "Voltage", "phase": "L1-N"}],
            }
        ],
    },
    "NotifyChargingLimit": {
        "evseId": 1,
        "chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True},
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    },
    "NotifyEVChargingNeeds": {
        "evseId": 1,
        "maxScheduleTuples": 24,
        "chargingNeeds": {
            "requestedEnergyTransfer": "AC_three_phase",
            "departureTime": "2030-01-01T18:00:00Z",
            "acChargingParameters": {
                "energyAmount": 30000,
                "evMinCurrent": 6,
                "evMaxCurrent": 24,
                "evMaxVoltage": 400,
            },
        },
    },
    "NotifyEVChargingSchedule": {
        "timeBase": now(),
        "evseId": 1,
        "chargingSchedule": {
            "id": 2,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 11000.0},
                {"startPeriod": 3600, "limit": 7400.0},
            ],
        },
    },
    "NotifyCustomerInformation": {
        "data": "name=Jane",
        "seqNo": 0,
        "generatedAt": now(),
        "requestId": 7,
    },
    "NotifyDisplayMessages": {
        "requestId": 11,
        "tbc": True,
        "messageInfo": [
            {
                "id": 4,
                "priority": "NormalCycle",
                "state": "Charging",
                "message": {"format": "UTF8", "content": "Welcome"},
            }
        ],
    },
    "NotifyEvent": {
        "generatedAt": now(),
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 1,
                "timestamp": now(),
                "trigger": "Delta",
                "actualValue": "Faulted",
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                "variable": {"name": "AvailabilityState"},
            }
        ],
    },
    "NotifyMonitoringReport": {
        "requestId": 11,
        "generatedAt": now(),
        "seqNo": 0,
        "tbc": True,
        "monitor": [
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variableMonitoring": [
                    {
                        "id": 7,
                        "transaction": False,
                        "value": 22000.0,
                        "type": "UpperThreshold",
                        "severity": 4,
                    }
                ],
            }
        ],
    },
    "NotifyReport": {
        "requestId": 8,
        "generatedAt": now(),
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "variableAttribute": [
                    {"type": "Actual", "value": "300", "mutability": "ReadWrite"}
                ],
                "variableCharacteristics": {"dataType": "integer", "supportsMonitoring": False},
            }
        ],
    },
    "SecurityEventNotification": {
        "type": "FirmwareUpdated",
        "timestamp": now(),
        "techInfo": "v1.2",
    },
    # Signed by a key of its own for a CN that is no station: answered Rejected, validly.
    "SignCertificate": {"csr": pki.csr(pki.new_key("ec"), "FIXTURE-STATION")},
    "StatusNotification": {
        "timestamp": now(),
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    },
    "TransactionEvent": {
        "eventType": "Started",
        "timestamp": now(),
        "triggerReason": "CablePluggedIn",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "FIXTURE-TX"},
        "evse": {"id": 1, "connectorId": 1},
    },
}
