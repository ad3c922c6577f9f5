"""Which OCPP 2.0.1 actions the CSMS sends to stations.

Both the workers (a station sending one of these gets NotSupported) and the API (what an
operator may send) need the list; it lives here so the API imports nothing from ``workers``.
"""

from __future__ import annotations

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
