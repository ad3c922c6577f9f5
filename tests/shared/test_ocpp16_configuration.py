"""Where a 1.6 charge point's configuration keys land in the device model: the table is
the whole mapping, and a secret never leaves the charge point's answer."""

from __future__ import annotations

import pytest

from shared import ocpp16_configuration as config
from shared import schemas
from shared.ocpp16_configuration import COMPONENT, KEYS, Setting, changed, configuration, place


def test_a_key_with_a_2_0_1_equivalent_is_that_variable():
    assert place("HeartbeatInterval") == ({"name": "OCPPCommCtrlr"}, {"name": "HeartbeatInterval"})
    assert place("TransactionMessageAttempts") == (
        {"name": "OCPPCommCtrlr"},
        {"name": "MessageAttempts", "instance": "TransactionEvent"},
    )


def test_any_other_key_is_a_variable_of_the_ocpp16_component_under_its_own_name():
    assert place("VendorFanSpeed") == (COMPONENT, {"name": "VendorFanSpeed"})
    # Its values read otherwise in 2.0.1 ("Current,Power" against "A,W"): not mapped.
    assert place("ChargingScheduleAllowedChargingRateUnit")[0] == COMPONENT


def test_no_two_keys_share_a_variable():
    places = [(c, v, i) for c, v, i in KEYS.values()]
    assert len(set(places)) == len(places)


def test_get_configuration_readonly_becomes_mutability_and_unknown_keys_are_left_out():
    response = {
        "configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
            {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
            {"key": "VendorEmpty", "readonly": False},
        ],
        "unknownKey": ["NoSuchKey"],
    }
    schemas.validate("GetConfiguration", "Response", response, "ocpp1.6")
    assert configuration(response) == [
        Setting(
            "HeartbeatInterval",
            {"name": "OCPPCommCtrlr"},
            {"name": "HeartbeatInterval"},
            "300",
            "ReadWrite",
        ),
        Setting("NumberOfConnectors", COMPONENT, {"name": "NumberOfConnectors"}, "2", "ReadOnly"),
        Setting("VendorEmpty", COMPONENT, {"name": "VendorEmpty"}, None, "ReadWrite"),
    ]
    assert configuration({}) == []


def test_the_authorization_key_is_never_kept():
    answer = {"configurationKey": [{"key": "AuthorizationKey", "readonly": False, "value": "s"}]}
    (setting,) = configuration(answer)
    assert setting.value is None and setting.mutability == "WriteOnly"
    assert changed({"key": "AuthorizationKey", "value": "s"}, {"status": "Accepted"}) is None


@pytest.mark.parametrize(
    ("status", "kept"),
    [("Accepted", True), ("RebootRequired", True), ("Rejected", False), ("NotSupported", False)],
)
def test_change_configuration_keeps_the_value_the_charge_point_took(status: str, kept: bool):
    setting = changed({"key": "MeterValueSampleInterval", "value": "60"}, {"status": status})
    if not kept:
        assert setting is None
        return
    assert setting == Setting(
        "MeterValueSampleInterval",
        {"name": "SampledDataCtrlr"},
        {"name": "TxUpdatedInterval"},
        "60",
    )
    assert status in config.APPLIED
