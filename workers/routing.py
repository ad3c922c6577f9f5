"""THE table: which handler answers which action a station sends.

Request and response schemas follow from the action name (``shared.schemas``). Every
OCPP 2.0.1 action is either routed here, listed in ``NOT_SUPPORTED`` (a station-initiated
action this CSMS does not implement yet: answered NotSupported) or in
``shared.actions.CSMS_INITIATED`` (a station sending one gets NotSupported too).
``tests/workers/test_routing.py`` checks the table against the schemas shipped in ``ocpp``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared import names

from .context import Context, Payload
from .handlers.authorization import authorize
from .handlers.availability import heartbeat, status_notification
from .handlers.data_transfer import data_transfer
from .handlers.diagnostics import (
    get_log_result,
    log_status_notification,
    notify_customer_information,
    notify_event,
    notify_monitoring_report,
)
from .handlers.display import notify_display_messages
from .handlers.firmware import firmware_status_notification, update_firmware_result
from .handlers.iso15118 import get_15118_ev_certificate, get_certificate_status
from .handlers.meter_values import meter_values
from .handlers.provisioning import (
    boot_notification,
    get_base_report_result,
    get_report_result,
    get_variables_result,
    notify_report,
    set_network_profile_result,
    set_variables_result,
)
from .handlers.remote_control import request_start_transaction_result, trigger_message_result
from .handlers.reservation import reservation_status_update
from .handlers.security import security_event_notification, sign_certificate
from .handlers.smart_charging import (
    cleared_charging_limit,
    notify_charging_limit,
    notify_ev_charging_needs,
    notify_ev_charging_schedule,
    report_charging_profiles,
)
from .handlers.tariff_cost import set_default_tariff_result
from .handlers.transactions import transaction_event
from .handlers.v16 import authorize as authorize_16
from .handlers.v16 import boot_notification as boot_notification_16
from .handlers.v16 import change_configuration_result, get_configuration_result
from .handlers.v16 import data_transfer as data_transfer_16
from .handlers.v16 import diagnostics_status_notification as diagnostics_status_16
from .handlers.v16 import firmware_status_notification as firmware_status_16
from .handlers.v16 import meter_values as meter_values_16
from .handlers.v16 import sign_certificate as sign_certificate_16
from .handlers.v16 import signed_firmware_status_notification as signed_firmware_status_16
from .handlers.v16 import start_transaction as start_transaction_16
from .handlers.v16 import status_notification as status_notification_16
from .handlers.v16 import stop_transaction as stop_transaction_16
from .handlers.v21 import (
    battery_swap,
    close_periodic_event_stream,
    get_certificate_chain_status,
    notify_der_alarm,
    notify_der_start_stop,
    notify_periodic_event_stream,
    notify_priority_charging,
    notify_settlement,
    open_periodic_event_stream,
    pull_dynamic_schedule_update,
    report_der_control,
    vat_number_validation,
)

Handler = Callable[[Context, Payload], Awaitable[Payload]]
ResultHandler = Callable[[Context, Payload, Payload], Awaitable[None]]
SendHandler = Callable[[Context, Payload], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    handler: Handler
    allowed_before_accepted: bool = False
    """May be sent while the station's boot is Pending/Rejected (B02/B03)."""


ROUTES: dict[str, Route] = {
    "Authorize": Route(authorize.handle),
    "BootNotification": Route(boot_notification.handle, allowed_before_accepted=True),
    "ClearedChargingLimit": Route(cleared_charging_limit.handle),
    "DataTransfer": Route(data_transfer.handle),
    "FirmwareStatusNotification": Route(firmware_status_notification.handle),
    "Get15118EVCertificate": Route(get_15118_ev_certificate.handle),
    "GetCertificateStatus": Route(get_certificate_status.handle),
    "Heartbeat": Route(heartbeat.handle),
    "LogStatusNotification": Route(log_status_notification.handle),
    "MeterValues": Route(meter_values.handle),
    "NotifyChargingLimit": Route(notify_charging_limit.handle),
    "NotifyCustomerInformation": Route(notify_customer_information.handle),
    "NotifyDisplayMessages": Route(notify_display_messages.handle),
    "NotifyEVChargingNeeds": Route(notify_ev_charging_needs.handle),
    "NotifyEVChargingSchedule": Route(notify_ev_charging_schedule.handle),
    "NotifyEvent": Route(notify_event.handle),
    "NotifyMonitoringReport": Route(notify_monitoring_report.handle),
    "NotifyReport": Route(notify_report.handle, allowed_before_accepted=True),
    "ReportChargingProfiles": Route(report_charging_profiles.handle),
    "ReservationStatusUpdate": Route(reservation_status_update.handle),
    "SecurityEventNotification": Route(security_event_notification.handle),
    "SignCertificate": Route(sign_certificate.handle),
    "StatusNotification": Route(status_notification.handle),
    "TransactionEvent": Route(transaction_event.handle),
}

# OCPP 1.6J (with the OCA security extension): every action a charge point sends, each
# translated into its 2.0.1 meaning (``handlers/v16``); where the payloads are the same,
# the 2.0.1 handler itself.
ROUTES_16: dict[str, Route] = {
    "Authorize": Route(authorize_16.handle),
    "BootNotification": Route(boot_notification_16.handle, allowed_before_accepted=True),
    "DataTransfer": Route(data_transfer_16.handle),
    "DiagnosticsStatusNotification": Route(diagnostics_status_16.handle),
    "FirmwareStatusNotification": Route(firmware_status_16.handle),
    "Heartbeat": Route(heartbeat.handle),
    "LogStatusNotification": Route(log_status_notification.handle),
    "MeterValues": Route(meter_values_16.handle),
    "SecurityEventNotification": Route(security_event_notification.handle),
    "SignCertificate": Route(sign_certificate_16.handle),
    "SignedFirmwareStatusNotification": Route(signed_firmware_status_16.handle),
    "StartTransaction": Route(start_transaction_16.handle),
    "StatusNotification": Route(status_notification_16.handle),
    "StopTransaction": Route(stop_transaction_16.handle),
}

# OCPP 2.1: every 2.0.1 action (the same handlers, on the 2.1 schemas) and 2.1's own.
ROUTES_21: dict[str, Route] = {
    **ROUTES,
    "BatterySwap": Route(battery_swap.handle),
    "ClosePeriodicEventStream": Route(close_periodic_event_stream.handle),
    "GetCertificateChainStatus": Route(get_certificate_chain_status.handle),
    "NotifyDERAlarm": Route(notify_der_alarm.handle),
    "NotifyDERStartStop": Route(notify_der_start_stop.handle),
    "NotifyPriorityCharging": Route(notify_priority_charging.handle),
    "NotifySettlement": Route(notify_settlement.handle),
    "OpenPeriodicEventStream": Route(open_periodic_event_stream.handle),
    "PullDynamicScheduleUpdate": Route(pull_dynamic_schedule_update.handle),
    "ReportDERControl": Route(report_der_control.handle),
    "VatNumberValidation": Route(vat_number_validation.handle),
}

SEND_ROUTES: dict[str, SendHandler] = {
    # OCPP 2.1's unconfirmed messages (OCPP-J SEND): handled, never answered.
    "NotifyPeriodicEventStream": notify_periodic_event_stream.handle,
}

NOT_SUPPORTED: frozenset[str] = frozenset(
    {
        # Station-initiated actions outside the Core profile, not implemented yet.
        "PublishFirmwareStatusNotification",
    }
)


RESULT_ROUTES: dict[str, ResultHandler] = {
    # What a station's valid answer to a command changes in the store, by the command's
    # version (``result_routes_for``); commands not listed are only recorded in the
    # ``commands`` collection. A 2.0.1 command sent translated to a 1.6 charge point comes
    # back as its 2.0.1 answer, so it is applied here.
    "GetBaseReport": get_base_report_result.handle,
    "GetLog": get_log_result.handle,
    "GetReport": get_report_result.handle,
    "GetVariables": get_variables_result.handle,
    "RequestStartTransaction": request_start_transaction_result.handle,
    "SetNetworkProfile": set_network_profile_result.handle,
    "SetVariables": set_variables_result.handle,
    "TriggerMessage": trigger_message_result.handle,
    "UpdateFirmware": update_firmware_result.handle,
}

# OCPP 1.6 commands made in 1.6 (an operator's, in the station's own version). GetLog has
# 2.0.1's payloads (the OCA security extension took them over), and TriggerMessage the
# ``requestedMessage`` words the boot gate reads; 1.6's UpdateFirmware has neither a
# requestId nor a firmware object, so it is only recorded.
RESULT_ROUTES_16: dict[str, ResultHandler] = {
    "ChangeConfiguration": change_configuration_result.handle,
    "GetConfiguration": get_configuration_result.handle,
    "GetLog": get_log_result.handle,
    "TriggerMessage": trigger_message_result.handle,
}

# OCPP 2.1 commands: 2.0.1's (whose payloads 2.1 kept) and 2.1's own.
RESULT_ROUTES_21: dict[str, ResultHandler] = {
    **RESULT_ROUTES,
    "SetDefaultTariff": set_default_tariff_result.handle,
}

TRIGGERED_ACTIONS: dict[str, str] = {
    # TriggerMessage's requestedMessage -> the action the station then sends (F06).
    "BootNotification": "BootNotification",
    "LogStatusNotification": "LogStatusNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate",
    "SignCombinedCertificate": "SignCertificate",
    "StatusNotification": "StatusNotification",
    "TransactionEvent": "TransactionEvent",
    "PublishFirmwareStatusNotification": "PublishFirmwareStatusNotification",
}


def routes_for(version: str) -> dict[str, Route]:
    """The table of a station's version."""
    return {names.OCPP16: ROUTES_16, names.OCPP21: ROUTES_21}.get(version, ROUTES)


def result_routes_for(version: str) -> dict[str, ResultHandler]:
    """The result table of a command's version (``CommandResult.ocpp_version``)."""
    return {names.OCPP16: RESULT_ROUTES_16, names.OCPP21: RESULT_ROUTES_21}.get(
        version, RESULT_ROUTES
    )
