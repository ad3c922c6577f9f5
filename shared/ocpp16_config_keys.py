"""The few 2.0.1 device model variables that are a 1.6 configuration key of the same
meaning, so that a SetVariables or GetVariables of one of them can reach a 1.6 charge point
as ChangeConfiguration or GetConfiguration (``ocpp16_commands``). Pure data.

Listed only where both specifications describe the same setting in the same unit and
words (OCPP 2.0.1 part 2 appendix "Referenced Components and Variables"; OCPP 1.6 section 9
"Standard Configuration Key Names & Values"; the 1.6 security whitepaper for
AuthorizationKey and SecurityProfile). Keys whose values differ in form are left out (the
measurand lists, whose 1.6 and 2.0.1 vocabularies differ; LocalAuthListCtrlr limits, which
1.6 splits differently): such a variable stays refused for a 1.6 charge point.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import ocpp16_configuration as configuration


@dataclass(frozen=True)
class Key16:
    key: str
    """The 1.6 configuration key."""
    hex_value: bool = False
    """The 1.6 value is the 2.0.1 one's bytes hex-encoded (AuthorizationKey)."""
    write_only: bool = False
    """Never read back (GetVariables of it is refused: 1.6 does not return it)."""


PASSWORD = ("SecurityCtrlr", "BasicAuthPassword")

SAME_FORM = frozenset({
    # 1.6 keys whose 2.0.1 variable (``ocpp16_configuration.KEYS``, the one table of where
    # each key lives) takes the very same values, so a value can be sent either way.
    "AuthorizationCacheEnabled", "AuthorizeRemoteTxRequests", "ClockAlignedDataInterval",
    "ConnectionTimeOut", "HeartbeatInterval", "LocalAuthListEnabled", "LocalAuthorizeOffline",
    "LocalPreAuthorize", "MeterValueSampleInterval", "ResetRetries", "SecurityProfile",
    "StopTransactionOnInvalidId", "WebSocketPingInterval",
})  # fmt: skip

KEYS: dict[tuple[str, str], Key16] = {
    # The 1.6 security whitepaper (editions 2 and 3): AuthorizationKey holds the HTTP Basic
    # Authentication password hex-encoded, at least 16 and at most 20 bytes, write-only;
    # the charge point decodes it and logs in with it.
    PASSWORD: Key16("AuthorizationKey", hex_value=True, write_only=True),
    **{
        (component, variable): Key16(key)
        for key, (component, variable, instance) in configuration.KEYS.items()
        if key in SAME_FORM and instance is None
    },
}
"""(component, variable) -> the 1.6 key a SetVariables or GetVariables of it becomes."""
