"""Where a 1.6 charge point's configuration keys live in the 2.0.1 device model, without I/O.

1.6 has a flat list of keys (GetConfiguration, ChangeConfiguration); 2.0.1 has components
and variables. ``KEYS`` is the one table: a standard 1.6 key whose value reads the same in
2.0.1 (a number, a boolean, a list of measurands) is stored as its 2.0.1 variable (OCPP
2.0.1 part 2, "Referenced Components and Variables"), so what the CSMS reads from the
device model (local list and charging profile limits, heartbeat interval...) holds for 1.6
charge points too. Every other key, vendor keys and standard ones whose values read
otherwise in 2.0.1 (ChargingScheduleAllowedChargingRateUnit's "Current" is 2.0.1's "A"),
is stored as it is, as variable ``key`` of the component ``COMPONENT`` ("OCPP16"). The
document keeps the 1.6 key (``ocpp16Key``), the name to give ChangeConfiguration.

``readonly`` becomes the Actual attribute's mutability (ReadOnly or ReadWrite). The values
of ``SECRET_KEYS`` are never stored, whatever the charge point says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Payload = dict[str, Any]

COMPONENT: Payload = {"name": "OCPP16"}
"""The component of every key without a 2.0.1 equivalent in ``KEYS``."""

SECRET_KEYS = frozenset({"AuthorizationKey"})
"""Write-only in 1.6 (the basic auth password, OCA security whitepaper): never stored."""

APPLIED = ("Accepted", "RebootRequired")
"""ChangeConfiguration statuses after which the key holds the value sent."""

_TX = "TransactionEvent"

# 1.6 key -> (2.0.1 component, variable name, variable instance or None).
KEYS: dict[str, tuple[str, str, str | None]] = {
    "AllowOfflineTxForUnknownId": ("AuthCtrlr", "OfflineTxForUnknownIdEnabled", None),
    "AuthorizationCacheEnabled": ("AuthCacheCtrlr", "Enabled", None),
    "AuthorizeRemoteTxRequests": ("AuthCtrlr", "AuthorizeRemoteStart", None),
    "ChargeProfileMaxStackLevel": ("SmartChargingCtrlr", "ProfileStackLevel", None),
    "ChargingScheduleMaxPeriods": ("SmartChargingCtrlr", "PeriodsPerSchedule", None),
    "ClockAlignedDataInterval": ("AlignedDataCtrlr", "Interval", None),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut", None),
    "CpoName": ("SecurityCtrlr", "OrganizationName", None),
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval", None),
    "LocalAuthListEnabled": ("LocalAuthListCtrlr", "Enabled", None),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline", None),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize", None),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval", None),
    "MeterValuesAlignedData": ("AlignedDataCtrlr", "Measurands", None),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands", None),
    "ResetRetries": ("OCPPCommCtrlr", "ResetRetries", None),
    "SecurityProfile": ("SecurityCtrlr", "SecurityProfile", None),
    "SendLocalListMaxLength": ("LocalAuthListCtrlr", "ItemsPerMessage", None),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect", None),
    "StopTransactionOnInvalidId": ("TxCtrlr", "StopTxOnInvalidId", None),
    "StopTxnAlignedData": ("AlignedDataCtrlr", "TxEndedMeasurands", None),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands", None),
    "TransactionMessageAttempts": ("OCPPCommCtrlr", "MessageAttempts", _TX),
    "TransactionMessageRetryInterval": ("OCPPCommCtrlr", "MessageAttemptInterval", _TX),
    "UnlockConnectorOnEVSideDisconnect": ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", None),
    "WebSocketPingInterval": ("OCPPCommCtrlr", "WebSocketPingInterval", None),
}


@dataclass(frozen=True)
class Setting:
    """One 1.6 key as a device model variable; ``value`` None: the key has none (or it is
    secret); ``mutability`` None: not known (ChangeConfiguration does not say)."""

    key: str
    component: Payload
    variable: Payload
    value: str | None
    mutability: str | None = None


def place(key: str) -> tuple[Payload, Payload]:
    """The component and variable a 1.6 key is stored as."""
    if key not in KEYS:
        return dict(COMPONENT), {"name": key}
    component, name, instance = KEYS[key]
    variable: Payload = {"name": name}
    if instance is not None:
        variable["instance"] = instance
    return {"name": component}, variable


def _setting(key: str, value: str | None, mutability: str | None) -> Setting:
    component, variable = place(key)
    if key in SECRET_KEYS:
        return Setting(key, component, variable, None, mutability and "WriteOnly")
    return Setting(key, component, variable, value, mutability)


def configuration(response: Payload) -> list[Setting]:
    """A GetConfiguration answer's keys (``unknownKey``s are keys the charge point does not
    have: nothing to store)."""
    return [
        _setting(
            item["key"],
            item.get("value"),
            "ReadOnly" if item.get("readonly") else "ReadWrite",
        )
        for item in response.get("configurationKey", [])
    ]


def changed(request: Payload, response: Payload) -> Setting | None:
    """The key a ChangeConfiguration set, or None if the charge point did not take the
    value (Rejected, NotSupported) or it is not to be stored (``SECRET_KEYS``)."""
    if response["status"] not in APPLIED or request["key"] in SECRET_KEYS:
        return None
    return _setting(request["key"], request["value"], None)
