"""2.0.1 commands in 1.6 words and back, without I/O: each translation is a valid 1.6
request, each translated answer a valid 2.0.1 response; what 1.6 cannot say is refused."""

from __future__ import annotations

import pytest

from shared import names, schemas
from shared.command_versions import wire_form
from shared.ocpp16_commands import TRANSLATIONS, Untranslatable

PROFILE = {
    "id": 1_000_001,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxProfile",
    "chargingProfileKind": "Absolute",
    "transactionId": "17",
    "chargingSchedule": [
        {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.6667, "numberPhases": 3}],
        }
    ],
}
TOKEN = {"idToken": "TAG-1", "type": "ISO14443"}

# action: (2.0.1 request, a 1.6 answer)
CASES = {
    "RequestStartTransaction": (
        {"idToken": TOKEN, "remoteStartId": 4, "evseId": 1},
        {"status": "Accepted"},
    ),
    "RequestStopTransaction": ({"transactionId": "17"}, {"status": "Rejected"}),
    "Reset": ({"type": "OnIdle"}, {"status": "Accepted"}),
    "UnlockConnector": ({"evseId": 2, "connectorId": 1}, {"status": "NotSupported"}),
    "ChangeAvailability": (
        {"operationalStatus": "Inoperative", "evse": {"id": 1}},
        {"status": "Scheduled"},
    ),
    "TriggerMessage": (
        {"requestedMessage": "LogStatusNotification", "evse": {"id": 1}},
        {"status": "NotImplemented"},
    ),
    "ClearCache": ({}, {"status": "Accepted"}),
    "DataTransfer": (
        {"vendorId": "com.example", "data": {"a": 1}},
        {"status": "Accepted", "data": "ok"},
    ),
    "SetChargingProfile": ({"evseId": 1, "chargingProfile": PROFILE}, {"status": "NotSupported"}),
    "ClearChargingProfile": (
        {"chargingProfileCriteria": {"evseId": 1, "chargingProfilePurpose": "TxProfile"}},
        {"status": "Unknown"},
    ),
    "GetCompositeSchedule": (
        {"duration": 600, "evseId": 1, "chargingRateUnit": "A"},
        {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": "2026-12-03T10:00:00Z",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            },
        },
    ),
    "ReserveNow": (
        {"id": 9, "expiryDateTime": "2026-12-03T11:00:00Z", "idToken": TOKEN, "evseId": 1},
        {"status": "Occupied"},
    ),
    "CancelReservation": ({"reservationId": 9}, {"status": "Accepted"}),
    "SendLocalList": (
        {
            "versionNumber": 3,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idToken": TOKEN, "idTokenInfo": {"status": "NotAtThisTime"}}
            ],
        },
        {"status": "VersionMismatch"},
    ),
    "GetLocalListVersion": ({}, {"listVersion": 3}),
}


def test_every_translation_has_a_case():
    assert set(CASES) == set(TRANSLATIONS)


@pytest.mark.parametrize("action", sorted(CASES))
def test_a_translated_command_is_valid_1_6_and_its_answer_valid_2_0_1(action: str):
    request, answer16 = CASES[action]
    schemas.validate(action, "Request", request)  # the case is a real 2.0.1 request
    wire = wire_form(action, request, names.OCPP201, names.OCPP16)
    schemas.validate(wire.action, "Request", wire.payload, names.OCPP16)
    schemas.validate(wire.action, "Response", answer16, names.OCPP16)
    schemas.validate(action, "Response", wire.back(answer16))


def test_the_words_that_differ():
    profile = wire_form(
        "SetChargingProfile", CASES["SetChargingProfile"][0], "ocpp2.0.1", "ocpp1.6"
    )
    cs = profile.payload["csChargingProfiles"]
    assert cs["transactionId"] == 17 and cs["chargingProfileId"] == 1_000_001
    assert cs["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 10.6  # never above
    assert profile.back({"status": "NotSupported"}) == {"status": "Rejected"}
    reset = wire_form("Reset", {"type": "Immediate"}, "ocpp2.0.1", "ocpp1.6")
    assert reset.payload == {"type": "Hard"}
    start = wire_form(
        "RequestStartTransaction", CASES["RequestStartTransaction"][0], "ocpp2.0.1", "ocpp1.6"
    )
    assert (start.action, start.payload) == (
        "RemoteStartTransaction",
        {"idTag": "TAG-1", "connectorId": 1},
    )
    listed = wire_form("SendLocalList", CASES["SendLocalList"][0], "ocpp2.0.1", "ocpp1.6")
    assert listed.payload["localAuthorizationList"] == [
        {"idTag": "TAG-1", "idTagInfo": {"status": "Invalid"}}
    ]
    typed = {**CASES["ReserveNow"][0], "connectorType": "cType2"}  # that connector's type
    reserved = wire_form("ReserveNow", typed, "ocpp2.0.1", "ocpp1.6")
    assert reserved.payload == {
        "connectorId": 1,
        "expiryDate": "2026-12-03T11:00:00Z",
        "idTag": "TAG-1",
        "reservationId": 9,
    }
    version = wire_form("GetLocalListVersion", {}, "ocpp2.0.1", "ocpp1.6")
    assert version.back({"listVersion": 3}) == {"versionNumber": 3}


@pytest.mark.parametrize(
    ("action", "request_"),
    [
        ("SetDisplayMessage", {"message": {}}),  # no such 1.6 message
        ("Reset", {"type": "Immediate", "evseId": 1}),
        ("RequestStopTransaction", {"transactionId": "TX-A"}),
        (
            "RequestStartTransaction",
            {"idToken": {"idToken": "T" * 21, "type": "Central"}, "remoteStartId": 1},
        ),
        ("TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}),
        (  # any EVSE with such a connector: 1.6 would reserve every connector
            "ReserveNow",
            {
                "id": 9,
                "expiryDateTime": "2026-12-03T11:00:00Z",
                "idToken": TOKEN,
                "connectorType": "cType2",
            },
        ),
        (
            "SetChargingProfile",
            {
                "evseId": 0,
                "chargingProfile": {
                    **PROFILE,
                    "chargingProfilePurpose": "ChargingStationExternalConstraints",
                },
            },
        ),
    ],
)
def test_what_1_6_cannot_say_is_refused(action: str, request_: dict):
    with pytest.raises(Untranslatable):
        wire_form(action, request_, names.OCPP201, names.OCPP16)


def test_same_version_goes_as_is_and_2_0_1_goes_to_2_1_when_its_schema_takes_it():
    wire = wire_form("Reset", {"type": "OnIdle"}, names.OCPP201, names.OCPP201)
    assert (wire.action, wire.payload) == ("Reset", {"type": "OnIdle"})
    assert wire_form("Reset", {"type": "OnIdle"}, names.OCPP201, names.OCPP21).action == "Reset"
    with pytest.raises(Untranslatable):
        wire_form("Reset", {"type": "Soft"}, names.OCPP16, names.OCPP201)
