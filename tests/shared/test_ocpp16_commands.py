"""2.0.1 commands in 1.6 words and back, without I/O: each translation is a valid 1.6
request, each translated answer a valid 2.0.1 response; what 1.6 cannot say is refused."""

from __future__ import annotations

import pytest

from shared import names, schemas
from shared.command_versions import wire_form
from shared.ocpp16_commands import TRANSLATIONS
from shared.ocpp16_translation import Untranslatable

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
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
HASH = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a" * 64,
    "issuerKeyHash": "b" * 64,
    "serialNumber": "01",
}


def variable(component: str, name: str, value: str | None = None) -> dict:
    entry: dict = {"component": {"name": component}, "variable": {"name": name}}
    return entry if value is None else {**entry, "attributeValue": value}


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
        {"requestedMessage": "StatusNotification", "evse": {"id": 1}},
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
    "CertificateSigned": (
        {"certificateChain": PEM, "certificateType": "ChargingStationCertificate"},
        {"status": "Rejected"},
    ),
    "InstallCertificate": (
        {"certificateType": "CSMSRootCertificate", "certificate": PEM},
        {"status": "Failed"},
    ),
    "GetInstalledCertificateIds": (
        {"certificateType": ["ManufacturerRootCertificate"]},
        {"status": "Accepted", "certificateHashData": [HASH, {**HASH, "serialNumber": "02"}]},
    ),
    "DeleteCertificate": ({"certificateHashData": HASH}, {"status": "NotFound"}),
    "GetLog": (
        {
            "logType": "SecurityLog",
            "requestId": 12,
            "retries": 2,
            "log": {
                "remoteLocation": "https://logs.example/up",
                "oldestTimestamp": "2026-12-01T00:00:00Z",
            },
        },
        {"status": "Accepted", "filename": "security.log"},
    ),
    "UpdateFirmware": (
        {
            "requestId": 4,
            "retries": 3,
            "firmware": {
                "location": "https://fw.example/2.0.bin",
                "retrieveDateTime": "2026-12-03T10:00:00Z",
                "installDateTime": "2026-12-03T12:00:00Z",
                "signingCertificate": PEM,
                "signature": "c2lnbmF0dXJl",
            },
        },
        {"status": "InvalidCertificate"},
    ),
    "SetVariables": (
        {"setVariableData": [variable("OCPPCommCtrlr", "HeartbeatInterval", "120")]},
        {"status": "RebootRequired"},
    ),
    "GetVariables": (
        {"getVariableData": [variable("SampledDataCtrlr", "TxUpdatedInterval")]},
        {
            "configurationKey": [
                {"key": "MeterValueSampleInterval", "readonly": False, "value": "60"}
            ]
        },
    ),
}

# Commands whose 1.6 action depends on the request: (2.0.1 action, request, 1.6 action, answer)
VARIANTS = [
    (
        "TriggerMessage",
        {"requestedMessage": "SignChargingStationCertificate"},
        "ExtendedTriggerMessage",
        {"status": "Accepted"},
    ),
    (
        "TriggerMessage",
        {"requestedMessage": "LogStatusNotification", "evse": {"id": 1}},
        "ExtendedTriggerMessage",
        {"status": "Rejected"},
    ),
    ("TriggerMessage", CASES["TriggerMessage"][0], "TriggerMessage", {"status": "Accepted"}),
    (
        "UpdateFirmware",
        {
            "requestId": 5,
            "retryInterval": 30,
            "firmware": {
                "location": "https://fw.example/2.0.bin",
                "retrieveDateTime": "2026-12-03T10:00:00Z",
            },
        },
        "UpdateFirmware",
        {},
    ),
    ("UpdateFirmware", CASES["UpdateFirmware"][0], "SignedUpdateFirmware", {"status": "Accepted"}),
    (
        "SetVariables",
        {
            "setVariableData": [
                variable("SecurityCtrlr", "BasicAuthPassword", "0123456789abcdefXYZ")
            ]
        },
        "ChangeConfiguration",
        {"status": "NotSupported"},
    ),
    (
        "GetVariables",
        {"getVariableData": [variable("AuthCacheCtrlr", "Enabled")]},
        "GetConfiguration",
        {"unknownKey": ["AuthorizationCacheEnabled"]},
    ),
]


def test_every_translation_has_a_case():
    assert set(CASES) == set(TRANSLATIONS)


ALL_CASES = [(a, r, None, answer) for a, (r, answer) in sorted(CASES.items())] + VARIANTS


@pytest.mark.parametrize(
    ("action", "request_", "action16", "answer16"),
    ALL_CASES,
    ids=[f"{a}-{i}" for i, (a, *_) in enumerate(ALL_CASES)],
)
def test_a_translated_command_is_valid_1_6_and_its_answer_valid_2_0_1(
    action: str, request_: dict, action16: str | None, answer16: dict
):
    schemas.validate(action, "Request", request_)  # the case is a real 2.0.1 request
    wire = wire_form(action, request_, names.OCPP201, names.OCPP16)
    assert action16 is None or wire.action == action16
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


def test_the_security_whitepaper_words():
    signed = wire_form("CertificateSigned", {"certificateChain": PEM}, names.OCPP201, names.OCPP16)
    assert signed.payload == {"certificateChain": PEM}
    root = wire_form("InstallCertificate", CASES["InstallCertificate"][0], "ocpp2.0.1", "ocpp1.6")
    assert root.payload["certificateType"] == "CentralSystemRootCertificate"
    ids = wire_form(
        "GetInstalledCertificateIds",
        {"certificateType": ["CSMSRootCertificate"]},
        "ocpp2.0.1",
        "ocpp1.6",
    )
    assert ids.payload == {"certificateType": "CentralSystemRootCertificate"}
    assert ids.back({"status": "Accepted", "certificateHashData": [HASH]}) == {
        "status": "Accepted",
        "certificateHashDataChain": [
            {"certificateType": "CSMSRootCertificate", "certificateHashData": HASH}
        ],
    }
    assert ids.back({"status": "NotFound"}) == {"status": "NotFound"}
    renew = wire_form(
        "TriggerMessage",
        {"requestedMessage": "SignChargingStationCertificate"},
        "ocpp2.0.1",
        "ocpp1.6",
    )
    assert (renew.action, renew.payload) == (
        "ExtendedTriggerMessage",
        {"requestedMessage": "SignChargePointCertificate"},
    )
    firmware = CASES["UpdateFirmware"][0]
    update = wire_form("UpdateFirmware", firmware, "ocpp2.0.1", "ocpp1.6")
    assert (update.action, update.payload) == ("SignedUpdateFirmware", firmware)
    unsigned = {
        "requestId": 5,
        "firmware": {"location": "https://fw", "retrieveDateTime": "2026-12-03T10:00:00Z"},
    }
    core = wire_form("UpdateFirmware", unsigned, "ocpp2.0.1", "ocpp1.6")
    assert core.payload == {"location": "https://fw", "retrieveDate": "2026-12-03T10:00:00Z"}
    assert core.back({}) == {"status": "Accepted"}


def test_a_mapped_variable_becomes_a_configuration_key():
    password = {
        "setVariableData": [variable("SecurityCtrlr", "BasicAuthPassword", "Secret-Pass_0123")]
    }
    change = wire_form("SetVariables", password, "ocpp2.0.1", "ocpp1.6")
    # The security whitepaper: AuthorizationKey holds the password hex-encoded.
    assert change.payload == {"key": "AuthorizationKey", "value": b"Secret-Pass_0123".hex()}
    assert change.back({"status": "Accepted"}) == {
        "setVariableResult": [
            {
                "attributeStatus": "Accepted",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            }
        ]
    }
    assert change.back({"status": "NotSupported"})["setVariableResult"][0]["attributeStatus"] == (
        "UnknownVariable"
    )
    heartbeat = {
        "setVariableData": [
            {**variable("OCPPCommCtrlr", "HeartbeatInterval", "90"), "attributeType": "Actual"}
        ]
    }
    assert wire_form("SetVariables", heartbeat, "ocpp2.0.1", "ocpp1.6").payload == {
        "key": "HeartbeatInterval",
        "value": "90",
    }
    read = wire_form("GetVariables", CASES["GetVariables"][0], "ocpp2.0.1", "ocpp1.6")
    assert read.payload == {"key": ["MeterValueSampleInterval"]}
    assert read.back(CASES["GetVariables"][1])["getVariableResult"] == [
        {
            "attributeStatus": "Accepted",
            "attributeValue": "60",
            "component": {"name": "SampledDataCtrlr"},
            "variable": {"name": "TxUpdatedInterval"},
        }
    ]
    assert (
        read.back({"unknownKey": ["MeterValueSampleInterval"]})["getVariableResult"][0][
            "attributeStatus"
        ]
        == "UnknownVariable"
    )


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
        ("TriggerMessage", {"requestedMessage": "SignV2GCertificate"}),
        ("CertificateSigned", {"certificateChain": PEM, "certificateType": "V2GCertificate"}),
        ("InstallCertificate", {"certificateType": "V2GRootCertificate", "certificate": PEM}),
        ("InstallCertificate", {"certificateType": "MORootCertificate", "certificate": PEM}),
        ("GetInstalledCertificateIds", {}),  # every type: 1.6 asks for one at a time
        (
            "GetInstalledCertificateIds",
            {"certificateType": ["CSMSRootCertificate", "ManufacturerRootCertificate"]},
        ),
        ("GetInstalledCertificateIds", {"certificateType": ["V2GCertificateChain"]}),
        (  # only one of the two: SignedUpdateFirmware needs both
            "UpdateFirmware",
            {
                "requestId": 1,
                "firmware": {
                    "location": "x",
                    "retrieveDateTime": "2026-12-03T10:00:00Z",
                    "signature": "c2ln",
                },
            },
        ),
        (  # core UpdateFirmware has no install time
            "UpdateFirmware",
            {
                "requestId": 1,
                "firmware": {
                    "location": "x",
                    "retrieveDateTime": "2026-12-03T10:00:00Z",
                    "installDateTime": "2026-12-03T11:00:00Z",
                },
            },
        ),
        (
            "SetVariables",
            {
                "setVariableData": [
                    variable("OCPPCommCtrlr", "HeartbeatInterval", "60"),
                    variable("AuthCacheCtrlr", "Enabled", "true"),
                ]
            },
        ),
        ("SetVariables", {"setVariableData": [variable("DisplayMessageCtrlr", "Enabled", "true")]}),
        (  # a mapped variable, but of one EVSE
            "SetVariables",
            {
                "setVariableData": [
                    {
                        **variable("OCPPCommCtrlr", "HeartbeatInterval", "60"),
                        "component": {"name": "OCPPCommCtrlr", "evse": {"id": 1}},
                    }
                ]
            },
        ),
        (
            "SetVariables",
            {
                "setVariableData": [
                    {
                        **variable("OCPPCommCtrlr", "HeartbeatInterval", "60"),
                        "attributeType": "MaxSet",
                    }
                ]
            },
        ),
        ("GetVariables", {"getVariableData": [variable("SecurityCtrlr", "BasicAuthPassword")]}),
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


def test_every_key_sent_either_way_has_its_place_in_the_one_table():
    from shared import ocpp16_config_keys, ocpp16_configuration

    assert ocpp16_config_keys.SAME_FORM <= set(ocpp16_configuration.KEYS)
    assert len(ocpp16_config_keys.KEYS) == len(ocpp16_config_keys.SAME_FORM) + 1  # + password
