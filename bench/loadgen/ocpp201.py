"""The scenario's steps in OCPP 2.0.1, which 2.1 shares message for message: transactions
as TransactionEvent Started / Updated / Ended with the station's own transactionId and seqNo."""

from __future__ import annotations

from dataclasses import dataclass

from shared import names

from .calls import ENERGY, POWER, Evse, Payload, Request, utc_now

TOKEN_TYPE = "ISO14443"


@dataclass(frozen=True, slots=True)
class Ocpp201:
    version: str = names.OCPP201
    names_transactions: bool = True

    def boot(self, station_id: str) -> Request:
        return Request.of(
            "BootNotification",
            {
                "reason": "PowerUp",
                "chargingStation": {
                    "model": "LoadGen",
                    "vendorName": "CSMS-Bench",
                    "serialNumber": station_id[-25:],
                    "firmwareVersion": "1.0.0",
                },
            },
        )

    def status(self, evse: Evse, status: str) -> Request:
        return Request.of(
            "StatusNotification",
            {
                "timestamp": utc_now(),
                "connectorStatus": status,
                "evseId": evse.id,
                "connectorId": 1,
            },
        )

    def authorize(self, id_token: str) -> Request:
        return Request.of("Authorize", {"idToken": _token(id_token)})

    def started(self, evse: Evse, id_token: str) -> Request:
        return _transaction_event(
            evse,
            "Started",
            "Authorized",
            {"chargingState": "Charging"},
            meter_value=_meter_value(evse, "Transaction.Begin", power_w=0.0),
            id_token=id_token,
        )

    def updated(self, evse: Evse, power_w: float) -> Request:
        return _transaction_event(
            evse,
            "Updated",
            "MeterValuePeriodic",
            {"chargingState": "Charging"},
            meter_value=_meter_value(evse, "Sample.Periodic", power_w=power_w),
        )

    def ended(self, evse: Evse, reason: str, id_token: str) -> Request:
        return _transaction_event(
            evse,
            "Ended",
            "StopAuthorized",
            {"chargingState": "EVConnected", "stoppedReason": reason},
            meter_value=_meter_value(evse, "Transaction.End", power_w=0.0),
            id_token=id_token,
        )

    def meter_values(self, evse: Evse, power_w: float) -> Request:
        return Request.of(
            "MeterValues",
            {
                "evseId": evse.id,
                "meterValue": [_meter_value(evse, "Sample.Clock", power_w=power_w)],
            },
        )


def _token(id_token: str) -> Payload:
    return {"idToken": id_token, "type": TOKEN_TYPE}


def _meter_value(evse: Evse, context: str, *, power_w: float) -> Payload:
    return {
        "timestamp": utc_now(),
        "sampledValue": [
            {
                "value": round(evse.energy_wh, 1),
                "context": context,
                "measurand": ENERGY,
                "unitOfMeasure": {"unit": "Wh"},
            },
            {
                "value": round(power_w, 1),
                "context": context,
                "measurand": POWER,
                "unitOfMeasure": {"unit": "W"},
            },
        ],
    }


def _transaction_event(
    evse: Evse,
    event_type: str,
    trigger: str,
    info: Payload,
    *,
    meter_value: Payload,
    id_token: str | None = None,
) -> Request:
    transaction = evse.transaction
    assert transaction is not None
    payload: Payload = {
        "eventType": event_type,
        "timestamp": utc_now(),
        "triggerReason": trigger,
        "seqNo": transaction.seq_no,
        "transactionInfo": {"transactionId": transaction.transaction_id, **info},
        "evse": {"id": evse.id, "connectorId": 1},
        "meterValue": [meter_value],
    }
    if id_token is not None:
        payload["idToken"] = _token(id_token)
    transaction.seq_no += 1
    transaction.opened = True
    return Request.of("TransactionEvent", payload, f"TransactionEvent.{event_type}")
