"""OCPP 1.6 messages in their 2.0.1 meaning, without sockets: every translated request is a
valid 2.0.1 request, and 2.0.1 verdicts read in 1.6 words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import schemas
from shared.ocpp16_commands import id_tag_info
from workers.handlers.v16 import translate

NOW = "2026-12-03T10:00:00Z"


def test_a_boot_names_the_charge_point_as_a_charging_station():
    boot = translate.boot_notification(
        {
            "chargePointVendor": "V",
            "chargePointModel": "M",
            "chargeBoxSerialNumber": "B-1",
            "firmwareVersion": "1.2",
            "iccid": "8931",
        }
    )
    schemas.validate("BootNotification", "Request", boot)
    assert boot["chargingStation"] == {
        "vendorName": "V",
        "model": "M",
        "serialNumber": "B-1",
        "firmwareVersion": "1.2",
        "modem": {"iccid": "8931"},
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Available", "Available"),
        ("Charging", "Occupied"),
        ("SuspendedEV", "Occupied"),
        ("Finishing", "Occupied"),
        ("Reserved", "Reserved"),
        ("Faulted", "Faulted"),
    ],
)
def test_a_connector_status_is_its_2_0_1_word_on_its_evse(status, expected):
    request = {"connectorId": 2, "errorCode": "NoError", "status": status}
    translated = translate.status_notification(request, NOW)
    schemas.validate("StatusNotification", "Request", translated)
    assert translated == {
        "timestamp": NOW,
        "connectorStatus": expected,
        "evseId": 2,
        "connectorId": 1,
    }


def test_the_whole_charge_point_is_evse_0():
    request = {
        "connectorId": 0,
        "errorCode": "NoError",
        "status": "Unavailable",
        "timestamp": "2026-12-03T09:00:00Z",
    }
    assert translate.status_notification(request, NOW)["evseId"] == 0
    assert translate.status_notification(request, NOW)["timestamp"] == "2026-12-03T09:00:00Z"


def test_verdicts_read_in_1_6_words():
    assert id_tag_info({"status": "NotAtThisTime"}) == {"status": "Invalid"}
    info = {
        "status": "Accepted",
        "cacheExpiryDateTime": NOW,
        "groupIdToken": {"idToken": "FLEET-1", "type": "Central"},
    }
    assert id_tag_info(info) == {
        "status": "Accepted",
        "expiryDate": NOW,
        "parentIdTag": "FLEET-1",
    }
    long_group = {"status": "Blocked", "groupIdToken": {"idToken": "G" * 21, "type": "Central"}}
    assert id_tag_info(long_group) == {"status": "Blocked"}


def test_a_start_and_a_stop_are_2_0_1_transaction_events():
    start = {
        "connectorId": 1,
        "idTag": "TAG-1",
        "meterStart": 1200,
        "timestamp": NOW,
        "reservationId": 4,
    }
    started = translate.transaction_started(start, 17, "ISO14443")
    schemas.validate("TransactionEvent", "Request", started)
    assert started["transactionInfo"]["transactionId"] == "17" and started["seqNo"] == 0
    assert started["meterValue"][0]["sampledValue"][0]["value"] == 1200.0
    assert started["reservationId"] == 4

    stop = {
        "transactionId": 17,
        "meterStop": 5400,
        "timestamp": "2026-12-03T11:00:00Z",
        "reason": "Remote",
        "idTag": "TAG-1",
        "transactionData": [
            {
                "timestamp": "2026-12-03T10:30:00Z",
                "sampledValue": [
                    {"value": "3000", "unit": "Wh"},
                    {"value": "not a number"},
                    {"value": "AB12", "format": "SignedData"},
                    {"value": "21.5", "measurand": "Temperature", "unit": "Celcius"},
                    {"value": "230.1", "measurand": "Voltage", "unit": "V", "phase": "L1"},
                ],
            },
            {"timestamp": "2026-12-03T10:40:00Z", "sampledValue": [{"value": "x"}]},
        ],
    }
    ended = translate.transaction_ended(stop, 3, "ISO14443")
    schemas.validate("TransactionEvent", "Request", ended)
    assert ended["triggerReason"] == "RemoteStop" and ended["seqNo"] == 3
    assert ended["transactionInfo"]["stoppedReason"] == "Remote"
    readings = ended["meterValue"]
    assert [len(r["sampledValue"]) for r in readings] == [2, 1]  # the unreadable ones left out
    voltage = readings[0]["sampledValue"][1]  # (validation filled in multiplier 0)
    assert (voltage["value"], voltage["measurand"], voltage["phase"]) == (230.1, "Voltage", "L1")
    assert voltage["unitOfMeasure"]["unit"] == "V"
    assert readings[-1]["sampledValue"][0]["value"] == 5400.0
    # Nothing of the 1.6 request is lost: it travels whole with the event.
    assert ended["customData"] == {"vendorId": translate.ORIGINAL, "request": stop}


def test_meter_values_of_a_transaction_are_its_updated_event_unless_nothing_is_numeric():
    request = {
        "connectorId": 1,
        "transactionId": 17,
        "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "2500"}]}],
    }
    updated = translate.transaction_updated(request, 2)
    assert updated is not None
    schemas.validate("TransactionEvent", "Request", updated)
    assert updated["eventType"] == "Updated" and updated["evse"] == {"id": 1, "connectorId": 1}
    blank = {**request, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "?"}]}]}
    assert translate.transaction_updated(blank, 2) is None


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("ISO14443", "ISO14443"),
        ("KeyCode", "KeyCode"),  # registered as another type: still that token
        ("eMAID", "eMAID"),
        (None, "Central"),  # a tag the CSMS does not know: OCPP16_ID_TAG_TYPE's type
        ("NoAuthorization", "Central"),  # an idTag is always a token presented
    ],
)
def test_an_id_tag_is_the_token_held_under_its_value_whatever_its_type(stored, expected):
    assert translate.id_tag_type(stored, "Central") == expected


def test_a_start_answers_the_latest_remote_start_of_its_id_tag_and_connector():
    at = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

    def sent(command_id: str, seconds_before: float, **fields: Any) -> dict[str, Any]:
        return {
            "_id": command_id,
            "action": "RemoteStartTransaction",
            "request": {"idTag": "TAG-1", "connectorId": 1},
            "status": "answered",
            "response": {"status": "Accepted"},
            "createdAt": at - timedelta(seconds=seconds_before),
        } | fields

    start = {"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": NOW}
    commands = [
        sent("older", 60),
        sent("latest", 5, status="pending", response=None),  # its answer not recorded yet
        sent("any-connector", 10, request={"idTag": "TAG-1"}),
        sent("other-tag", 1, request={"idTag": "TAG-2", "connectorId": 1}),
        sent("other-connector", 1, request={"idTag": "TAG-1", "connectorId": 2}),
        sent("refused", 1, response={"status": "Rejected"}),
        sent("unsent", 1, status="offline", response=None),
        sent("too-old", translate.REMOTE_START_WINDOW.total_seconds() + 1),
        sent("later", -1),  # after the start: not what it answers
    ]
    assert translate.remote_starts(commands, start, at) == ["latest", "any-connector", "older"]
    assert translate.remote_starts([], start, at) == []
