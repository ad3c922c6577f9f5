"""Which actions the CSMS sends to stations, per OCPP version.

Both the workers (a station sending one of these gets NotSupported) and the API (what an
operator may send) need the list; it lives here so the API imports nothing from ``workers``.
"""

from __future__ import annotations

from shared import names

CSMS_INITIATED: frozenset[str] = frozenset({
    # Sent by the CSMS to a station (commands, issue 4); a station sending one gets
    # NotSupported.
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache",
    "ClearChargingProfile", "ClearDisplayMessage", "ClearVariableMonitoring",
    "CostUpdated", "CustomerInformation", "DeleteCertificate", "GetBaseReport",
    "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages",
    "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "GetMonitoringReport",
    "GetReport", "GetTransactionStatus", "GetVariables", "InstallCertificate",
    "RequestStartTransaction", "RequestStopTransaction", "ReserveNow", "Reset",
    "SendLocalList", "SetChargingProfile", "SetDisplayMessage", "SetMonitoringBase",
    "SetMonitoringLevel", "SetNetworkProfile", "SetVariableMonitoring", "SetVariables",
    "TriggerMessage", "UnlockConnector", "UnpublishFirmware", "UpdateFirmware",
    "PublishFirmware",
})  # fmt: skip

COMMAND_ACTIONS: frozenset[str] = CSMS_INITIATED | {"DataTransfer"}
"""What operators may send to a station; DataTransfer goes both ways."""

CSMS_INITIATED_16: frozenset[str] = frozenset({
    # OCPP 1.6 edition 2, section 5, and the OCA security whitepaper's additions.
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
    "ClearCache", "ClearChargingProfile", "DeleteCertificate", "ExtendedTriggerMessage",
    "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics", "GetInstalledCertificateIds",
    "GetLocalListVersion", "GetLog", "InstallCertificate", "RemoteStartTransaction",
    "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile",
    "SignedUpdateFirmware", "TriggerMessage", "UnlockConnector", "UpdateFirmware",
})  # fmt: skip


CSMS_INITIATED_21: frozenset[str] = CSMS_INITIATED | frozenset({
    # OCPP 2.1's own: tariffs, event streams, DER control, dynamic schedules, battery swap,
    # priority charging, ISO 15118-20 energy transfer modes, web payment.
    "AFRRSignal", "AdjustPeriodicEventStream", "ChangeTransactionTariff", "ClearDERControl",
    "ClearTariffs", "GetDERControl", "GetPeriodicEventStream", "GetTariffs",
    "NotifyAllowedEnergyTransfer", "NotifyWebPaymentStarted", "RequestBatterySwap",
    "SetDERControl", "SetDefaultTariff", "UpdateDynamicSchedule", "UsePriorityCharging",
})  # fmt: skip


def csms_initiated(version: str) -> frozenset[str]:
    """The actions the CSMS sends to a station speaking ``version``."""
    return {names.OCPP16: CSMS_INITIATED_16, names.OCPP21: CSMS_INITIATED_21}.get(
        version, CSMS_INITIATED
    )


def command_actions(version: str) -> frozenset[str]:
    """What operators may send to a station speaking ``version``."""
    return csms_initiated(version) | {"DataTransfer"}
