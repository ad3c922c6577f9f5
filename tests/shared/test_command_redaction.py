"""What a command record may hold: never a station's password, in any version."""

from __future__ import annotations

from shared.commands import REDACTED, redact


def test_a_2_0_1_basic_auth_password_is_redacted_and_other_variables_kept():
    payload = {
        "setVariableData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "attributeValue": "s3cret-s3cret-s3cret",
            },
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "attributeValue": "60",
            },
        ]
    }
    values = [d["attributeValue"] for d in redact("SetVariables", payload)["setVariableData"]]
    assert values == [REDACTED, "60"]


def test_a_1_6_authorization_key_is_redacted_and_other_keys_kept():
    secret = {"key": "AuthorizationKey", "value": "73336372657473336372657473336372"}
    assert redact("ChangeConfiguration", secret) == {"key": "AuthorizationKey", "value": REDACTED}
    plain = {"key": "HeartbeatInterval", "value": "60"}
    assert redact("ChangeConfiguration", plain) == plain
