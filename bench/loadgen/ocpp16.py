"""The scenario's steps in OCPP 1.6: StartTransaction gets its integer transactionId from
the CSMS's answer, MeterValues carrying that id are the transaction's updates, and
StopTransaction ends it. Connector ids are the scenario's EVSE ids (one connector each)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared import names

from .calls import ENERGY, POWER, Evse, Payload, Request, Transaction, utc_now

# The scenario's statuses (2.0.1 words) in 1.6's ChargePointStatus.
STATUS = {"Available": "Available", "Occupied": "Charging", "Unavailable": "Unavailable"}
# An in-transaction MeterValues is stored as the transaction's Updated event.
TRANSACTION_METER_VALUES = "MeterValues.Transaction"
# The labels whose every answered call the CSMS stores as one TransactionEvent (bench.stack).
STORED_AS_TRANSACTION_EVENTS = frozenset(
    {"StartTransaction", TRANSACTION_METER_VALUES, "StopTransaction"}
)


@dataclass(frozen=True, slots=True)
class Ocpp16:
    version: str = names.OCPP16
    names_transactions: bool = False

    def boot(self, station_id: str) -> Request:
        return Request.of(
            "BootNotification",
            {
                "chargePointVendor": "CSMS-Bench",
                "chargePointModel": "LoadGen",
                "chargePointSerialNumber": station_id[-25:],
                "firmwareVersion": "1.0.0",
            },
        )

    def status(self, evse: Evse, status: str) -> Request:
        return Request.of(
            "StatusNotification",
            {
                "connectorId": evse.id,
                "errorCode": "NoError",
                "status": STATUS[status],
                "timestamp": utc_now(),
            },
        )

    def authorize(self, id_token: str) -> Request:
        return Request.of("Authorize", {"idTag": id_token})

    def started(self, evse: Evse, id_token: str) -> Request:
        transaction = evse.transaction
        assert transaction is not None
        payload = {
            "connectorId": evse.id,
            "idTag": id_token,
            "meterStart": round(evse.energy_wh),
            "timestamp": utc_now(),
        }
        return Request.of("StartTransaction", payload, on_answer=_allocated(transaction))

    def updated(self, evse: Evse, power_w: float) -> Request:
        payload = {
            "connectorId": evse.id,
            "transactionId": _id(evse),
            "meterValue": [_meter_value(evse, "Sample.Periodic", power_w=power_w)],
        }
        return Request.of("MeterValues", payload, TRANSACTION_METER_VALUES)

    def ended(self, evse: Evse, reason: str, id_token: str) -> Request:
        payload = {
            "transactionId": _id(evse),
            "idTag": id_token,
            "meterStop": round(evse.energy_wh),
            "timestamp": utc_now(),
            "reason": reason,
        }
        return Request.of("StopTransaction", payload)

    def meter_values(self, evse: Evse, power_w: float) -> Request:
        payload = {
            "connectorId": evse.id,
            "meterValue": [_meter_value(evse, "Sample.Clock", power_w=power_w)],
        }
        return Request.of("MeterValues", payload)


def _allocated(transaction: Transaction) -> Callable[[Payload], None]:
    """StartTransaction's answer: the transaction is open under the CSMS's number."""

    def answered(payload: Payload) -> None:
        number = payload.get("transactionId")
        if isinstance(number, int) and not isinstance(number, bool):
            transaction.transaction_id = number
            transaction.opened = True

    return answered


def _id(evse: Evse) -> int:
    transaction = evse.transaction
    assert transaction is not None and isinstance(transaction.transaction_id, int), transaction
    return transaction.transaction_id


def _meter_value(evse: Evse, context: str, *, power_w: float) -> Payload:
    """1.6 sampled values are strings, with the unit beside them."""
    return {
        "timestamp": utc_now(),
        "sampledValue": [
            {
                "value": f"{evse.energy_wh:.1f}",
                "context": context,
                "measurand": ENERGY,
                "unit": "Wh",
            },
            {"value": f"{power_w:.1f}", "context": context, "measurand": POWER, "unit": "W"},
        ],
    }
