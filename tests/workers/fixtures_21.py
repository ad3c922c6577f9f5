"""A valid request for each of OCPP 2.1's own station messages (those 2.0.1 lacks)."""

from __future__ import annotations

from typing import Any

AT = "2026-12-03T10:00:00Z"
HASH = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "aa" * 32,
    "issuerKeyHash": "bb" * 32,
    "serialNumber": "1f",
}

REQUESTS_21: dict[str, dict[str, Any]] = {
    "BatterySwap": {
        "eventType": "BatteryIn",
        "requestId": 7,
        "idToken": {"idToken": "SWAP-1", "type": "ISO14443"},
        "batteryData": [{"evseId": 1, "serialNumber": "B-1", "soC": 20.5, "soH": 97.0}],
    },
    "ClosePeriodicEventStream": {"id": 3},
    "GetCertificateChainStatus": {
        "certificateStatusRequests": [
            {"certificateHashData": HASH, "source": "CRL", "urls": ["http://crl.example/1"]}
        ]
    },
    "NotifyDERAlarm": {"controlType": "FreqDroop", "timestamp": AT},
    "NotifyDERStartStop": {"controlId": "der-1", "started": True, "timestamp": AT},
    "NotifyPriorityCharging": {"transactionId": "TX-P1", "activated": True},
    "NotifySettlement": {
        "pspRef": "psp-1",
        "status": "Settled",
        "settlementAmount": 12.5,
        "settlementTime": AT,
        "transactionId": "TX-S1",
    },
    "OpenPeriodicEventStream": {
        "constantStreamData": {"id": 3, "variableMonitoringId": 11, "params": {"interval": 5}}
    },
    "PullDynamicScheduleUpdate": {"chargingProfileId": 42},
    "ReportDERControl": {"requestId": 5},
    "VatNumberValidation": {"vatNumber": "NL123456789B01", "evseId": 1},
}

SEND_21: dict[str, dict[str, Any]] = {
    "NotifyPeriodicEventStream": {
        "id": 3,
        "pending": 0,
        "basetime": AT,
        "data": [{"t": 0, "v": "230.1"}, {"t": 5, "v": "229.8"}],
    }
}
