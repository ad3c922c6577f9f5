"""A simulated station that answers every CSMS-initiated Core operation, built on the
``ocpp`` library's v201 ``ChargePoint``, and follows up the way a real station does
(NotifyReport after GetBaseReport, TransactionEvent after RequestStartTransaction, ...)."""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import Any

from cryptography import x509
from ocpp.exceptions import GenericError
from ocpp.routing import after, on
from ocpp.v201 import call, call_result

from shared import pki
from tests.simulator import SimStation, now


class OperatedStation(SimStation):
    """Records every CSMS call it gets in ``received`` (action, payload) in arrival order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.slow_clear_cache = 0.0
        self.clear_cache_status = "Accepted"
        self.fail_reset = False
        self.follow_ups: list[asyncio.Task[Any]] = []
        self.reserve_answer = "Accepted"
        self.cancel_answer = "Accepted"
        # Reservations it accepted, by idToken value: a transaction started for that token
        # names the reservation (reservationId), as a real station does (H01, H03).
        self.reservations: dict[str, int] = {}
        # The local authorization list (D01) as a station keeps it: version and idToken ->
        # idTokenInfo (snake_case, as the ocpp library hands it over).
        self.local_version = 0
        self.local_list: dict[tuple[str, str], dict[str, Any]] = {}
        self.local_list_answer: str | None = None  # set to force the next answer
        # Charging profiles (K01) as a station holds them: id -> (evseId, profile as the
        # ocpp library hands it over, snake_case); one with the same id replaces it.
        self.profiles: dict[int, tuple[int, dict[str, Any]]] = {}
        self.profile_answer: str | None = None  # set to force SetChargingProfile's answer
        # Display messages (O01-O06) as a station holds them: id -> MessageInfo as the ocpp
        # library hands it over (snake_case); one with the same id replaces it (O06).
        self.display_messages: dict[int, dict[str, Any]] = {}
        self.display_answer: str | None = None  # set to force SetDisplayMessage's answer
        self.display_part_size = 2  # messages per NotifyDisplayMessages part
        self.display_report = True  # False: answer GetDisplayMessages but never report
        # Certificates it holds (M03, M05): type and hash data (snake_case), one it came with
        # and every root it accepted; install_answer forces InstallCertificate's answer.
        self.installed_certificates: list[tuple[str, dict[str, str]]] = [
            ("CSMSRootCertificate", HASH_DATA)
        ]
        self.install_answer: str | None = None
        # Certificate renewal (A02/A03): after TriggerMessage SignChargingStationCertificate
        # or SignV2GCertificate it sends SignCertificate with a fresh key's CSR; every
        # CertificateSigned it gets is kept (type, chain) and answered Accepted.
        self.signed_certificates: list[tuple[str, str]] = []

    def _later(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        # A follow-up cut short by the end of a test is not a failure of that test.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self.follow_ups.append(task)

    @on("RequestStartTransaction")
    def on_request_start(self, id_token: dict[str, Any], remote_start_id: int, **kw: Any) -> Any:
        self.received.append(("RequestStartTransaction", {"remoteStartId": remote_start_id}))
        return call_result.RequestStartTransaction(status="Accepted")

    @after("RequestStartTransaction")
    def after_request_start(
        self, id_token: dict[str, Any], remote_start_id: int, **kw: Any
    ) -> None:
        reservation = self.reservations.pop(id_token["id_token"], None)
        self._later(
            self.call(
                call.TransactionEvent(
                    event_type="Started",
                    timestamp=now(),
                    trigger_reason="RemoteStart",
                    seq_no=0,
                    transaction_info={
                        "transaction_id": f"REMOTE-{remote_start_id}",
                        "remote_start_id": remote_start_id,
                    },
                    id_token=id_token,
                    evse={"id": kw.get("evse_id", 1), "connector_id": 1},
                    reservation_id=reservation,
                )
            )
        )

    @on("ReserveNow")
    def on_reserve_now(
        self, id: int, expiry_date_time: str, id_token: dict[str, Any], **kw: Any
    ) -> Any:
        self.received.append(("ReserveNow", {"id": id, "idToken": id_token, **kw}))
        if self.reserve_answer == "Accepted":
            self.reservations[id_token["id_token"]] = id
        return call_result.ReserveNow(status=self.reserve_answer)

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id: int, **kw: Any) -> Any:
        self.received.append(("CancelReservation", {"reservationId": reservation_id}))
        if self.cancel_answer == "Accepted":
            self.reservations = {t: r for t, r in self.reservations.items() if r != reservation_id}
        return call_result.CancelReservation(status=self.cancel_answer)

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id: str, **kw: Any) -> Any:
        self.received.append(("RequestStopTransaction", {"transactionId": transaction_id}))
        return call_result.RequestStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, **kw: Any) -> Any:
        self.received.append(("Reset", {"type": type, **kw}))
        if self.fail_reset:
            raise GenericError(description="reset relay stuck")
        return call_result.Reset(status="Scheduled" if type == "OnIdle" else "Accepted")

    @on("UnlockConnector")
    def on_unlock(self, evse_id: int, connector_id: int, **kw: Any) -> Any:
        self.received.append(("UnlockConnector", {"evseId": evse_id}))
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(self, operational_status: str, **kw: Any) -> Any:
        self.received.append(("ChangeAvailability", {"operationalStatus": operational_status}))
        return call_result.ChangeAvailability(status="Accepted")

    @on("ClearCache")
    async def on_clear_cache(self, **kw: Any) -> Any:
        self.received.append(("ClearCache", {}))
        await asyncio.sleep(self.slow_clear_cache)
        return call_result.ClearCache(status=self.clear_cache_status)

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kw: Any) -> Any:
        self.received.append(("GetVariables", {"count": len(get_variable_data)}))
        results = []
        for item in get_variable_data:
            known = item["variable"]["name"] != "Unknowable"
            result = {
                "attribute_status": "Accepted" if known else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if known:
                result["attribute_value"] = f"value-of-{item['variable']['name']}"
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kw: Any) -> Any:
        self.received.append(("SetVariables", {"count": len(set_variable_data)}))
        return call_result.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": "Rejected" if d["attribute_value"] == "bad" else "Accepted",
                    "component": d["component"],
                    "variable": d["variable"],
                }
                for d in set_variable_data
            ]
        )

    @on("GetBaseReport")
    def on_get_base_report(self, request_id: int, report_base: str, **kw: Any) -> Any:
        self.received.append(("GetBaseReport", {"requestId": request_id}))
        return call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    def after_get_base_report(self, request_id: int, report_base: str, **kw: Any) -> None:
        async def parts() -> None:
            for seq, (component, variable, value, tbc) in enumerate(
                [
                    ("OCPPCommCtrlr", "HeartbeatInterval", "300", True),
                    ("SecurityCtrlr", "SecurityProfile", "1", False),
                ]
            ):
                await self.call(
                    call.NotifyReport(
                        request_id=request_id,
                        generated_at=now(),
                        seq_no=seq,
                        tbc=tbc,
                        report_data=[
                            {
                                "component": {"name": component},
                                "variable": {"name": variable},
                                "variable_attribute": [{"type": "Actual", "value": value}],
                            }
                        ],
                    )
                )

        self._later(parts())

    @on("GetReport")
    def on_get_report(self, request_id: int, **kw: Any) -> Any:
        self.received.append(("GetReport", {"requestId": request_id}))
        return call_result.GetReport(status="Accepted")

    @after("GetReport")
    def after_get_report(self, request_id: int, **kw: Any) -> None:
        self._later(
            self.call(
                call.NotifyReport(
                    request_id=request_id,
                    generated_at=now(),
                    seq_no=0,
                    report_data=[
                        {
                            "component": {"name": "EVSE", "evse": {"id": 1}},
                            "variable": {"name": "AvailabilityState"},
                            "variable_attribute": [{"type": "Actual", "value": "Available"}],
                        }
                    ],
                )
            )
        )

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, **kw: Any) -> Any:
        self.received.append(("TriggerMessage", {"requestedMessage": requested_message}))
        return call_result.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    def after_trigger(self, requested_message: str, **kw: Any) -> None:
        messages = {
            "BootNotification": lambda: self.boot("Triggered"),
            "Heartbeat": self.heartbeat,
            "StatusNotification": lambda: self.status(1, 1, "Available"),
            "MeterValues": lambda: self.call(
                call.MeterValues(
                    evse_id=1,
                    meter_value=[{"timestamp": now(), "sampled_value": [{"value": 1234.0}]}],
                )
            ),
            "LogStatusNotification": lambda: self.call(call.LogStatusNotification(status="Idle")),
            "FirmwareStatusNotification": lambda: self.call(
                call.FirmwareStatusNotification(status="Idle")
            ),
            "SignChargingStationCertificate": lambda: self.sign_certificate(
                "ChargingStationCertificate"
            ),
            "SignV2GCertificate": lambda: self.sign_certificate("V2GCertificate"),
        }
        if requested_message in messages:
            self._later(messages[requested_message]())

    async def sign_certificate(self, kind: str) -> Any:
        """SignCertificate for ``kind`` with a new P-256 key (CN the station id, an O for
        ISO 15118); the CSMS's answer."""
        organization = "Test CPO" if kind == "V2GCertificate" else None
        request = pki.csr(pki.new_key("ec"), self.id, organization)
        return await self.call(call.SignCertificate(csr=request, certificate_type=kind))

    @on("CertificateSigned")
    def on_certificate_signed(self, certificate_chain: str, **kw: Any) -> Any:
        kind = kw.get("certificate_type", "ChargingStationCertificate")
        self.received.append(("CertificateSigned", {"certificateType": kind}))
        self.signed_certificates.append((kind, certificate_chain))
        return call_result.CertificateSigned(status="Accepted")

    @on("GetTransactionStatus")
    def on_get_transaction_status(self, **kw: Any) -> Any:
        self.received.append(("GetTransactionStatus", kw))
        return call_result.GetTransactionStatus(messages_in_queue=False, ongoing_indicator=True)

    @on("CustomerInformation")
    def on_customer_information(self, request_id: int, report: bool, clear: bool, **kw: Any) -> Any:
        self.received.append(("CustomerInformation", {"requestId": request_id, **kw}))
        return call_result.CustomerInformation(status="Accepted")

    @after("CustomerInformation")
    def after_customer_information(
        self, request_id: int, report: bool, clear: bool, **kw: Any
    ) -> None:
        async def parts() -> None:
            for seq, (data, tbc) in enumerate([("name=Jane Doe", True), ("card=04A1", False)]):
                await self.call(
                    call.NotifyCustomerInformation(
                        data=data, seq_no=seq, generated_at=now(), request_id=request_id, tbc=tbc
                    )
                )

        if report:
            self._later(parts())

    @on("UpdateFirmware")
    def on_update_firmware(self, request_id: int, firmware: dict[str, Any], **kw: Any) -> Any:
        self.received.append(("UpdateFirmware", {"requestId": request_id, **firmware}))
        return call_result.UpdateFirmware(status="Accepted")

    @after("UpdateFirmware")
    def after_update_firmware(self, request_id: int, **kw: Any) -> None:
        self._later(
            self.call(call.FirmwareStatusNotification(status="Downloading", request_id=request_id))
        )

    @on("GetLog")
    def on_get_log(self, log: dict[str, Any], log_type: str, request_id: int, **kw: Any) -> Any:
        self.received.append(("GetLog", {"requestId": request_id}))
        return call_result.GetLog(status="Accepted", filename="diag.tar.gz")

    @after("GetLog")
    def after_get_log(self, request_id: int, **kw: Any) -> None:
        self._later(
            self.call(call.LogStatusNotification(status="Uploading", request_id=request_id))
        )

    @on("SetNetworkProfile")
    def on_set_network_profile(self, configuration_slot: int, **kw: Any) -> Any:
        self.received.append(("SetNetworkProfile", {"slot": configuration_slot}))
        return call_result.SetNetworkProfile(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **kw: Any) -> Any:
        self.received.append(("DataTransfer", {"vendorId": vendor_id}))
        return call_result.DataTransfer(status="Accepted", data={"echo": kw.get("data")})

    @on("InstallCertificate")
    def on_install_certificate(self, certificate_type: str, certificate: str, **kw: Any) -> Any:
        self.received.append(("InstallCertificate", {"certificateType": certificate_type}))
        answer = self.install_answer or "Accepted"
        if answer == "Accepted":
            try:
                root = x509.load_pem_x509_certificate(certificate.encode())
            except ValueError:
                pass  # kept as a station that takes anything would
            else:
                data = pki.hash_data(root, root)
                self.installed_certificates.append(
                    (
                        certificate_type,
                        {
                            "hash_algorithm": data["hashAlgorithm"],
                            "issuer_name_hash": data["issuerNameHash"],
                            "issuer_key_hash": data["issuerKeyHash"],
                            "serial_number": data["serialNumber"],
                        },
                    )
                )
        return call_result.InstallCertificate(status=answer)

    @on("GetInstalledCertificateIds")
    def on_get_installed(self, certificate_type: list[str] | None = None, **kw: Any) -> Any:
        self.received.append(("GetInstalledCertificateIds", {"certificate_type": certificate_type}))
        chain = [
            {"certificate_type": kind, "certificate_hash_data": data}
            for kind, data in self.installed_certificates
            if not certificate_type or kind in certificate_type
        ]
        if not chain:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data_chain=chain
        )

    @on("SendLocalList")
    def on_send_local_list(
        self, version_number: int, update_type: str, local_authorization_list=None, **kw: Any
    ) -> Any:
        entries = local_authorization_list or []
        self.received.append(
            (
                "SendLocalList",
                {"versionNumber": version_number, "updateType": update_type, "entries": entries},
            )
        )
        if self.local_list_answer is not None:
            answer, self.local_list_answer = self.local_list_answer, None
            return call_result.SendLocalList(status=answer)
        if update_type == "Differential" and version_number <= self.local_version:
            return call_result.SendLocalList(status="VersionMismatch")
        if update_type == "Full":
            self.local_list = {}
        for entry in entries:
            token = (entry["id_token"]["id_token"], entry["id_token"]["type"])
            if "id_token_info" in entry:
                self.local_list[token] = entry["id_token_info"]
            else:
                self.local_list.pop(token, None)
        self.local_version = version_number
        return call_result.SendLocalList(status="Accepted")

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **kw: Any) -> Any:
        self.received.append(("GetLocalListVersion", {}))
        return call_result.GetLocalListVersion(version_number=self.local_version)

    @on("DeleteCertificate")
    def on_delete_certificate(self, certificate_hash_data: dict[str, Any], **kw: Any) -> Any:
        self.received.append(("DeleteCertificate", certificate_hash_data))
        return call_result.DeleteCertificate(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any]) -> Any:
        self.received.append(("SetChargingProfile", {"evseId": evse_id, **charging_profile}))
        answer = self.profile_answer or "Accepted"
        if answer == "Accepted":
            self.profiles[charging_profile["id"]] = (evse_id, charging_profile)
        return call_result.SetChargingProfile(status=answer)

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, charging_profile_id: int | None = None, **kw: Any) -> Any:
        self.received.append(("ClearChargingProfile", {"chargingProfileId": charging_profile_id}))
        held = self.profiles.pop(charging_profile_id, None) if charging_profile_id else None
        return call_result.ClearChargingProfile(status="Accepted" if held else "Unknown")

    @on("GetChargingProfiles")
    def on_get_charging_profiles(
        self, request_id: int, charging_profile: dict[str, Any], **kw: Any
    ) -> Any:
        self.received.append(("GetChargingProfiles", {"requestId": request_id, **kw}))
        return call_result.GetChargingProfiles(status="Accepted" if self.profiles else "NoProfiles")

    @after("GetChargingProfiles")
    def after_get_charging_profiles(self, request_id: int, **kw: Any) -> None:
        by_evse: dict[int, list[dict[str, Any]]] = {}
        for evse_id, profile in self.profiles.values():
            by_evse.setdefault(evse_id, []).append(profile)

        async def parts() -> None:
            evses = sorted(by_evse)
            for index, evse_id in enumerate(evses):
                await self.call(
                    call.ReportChargingProfiles(
                        request_id=request_id,
                        charging_limit_source="CSO",
                        charging_profile=by_evse[evse_id],
                        evse_id=evse_id,
                        tbc=index < len(evses) - 1,
                    )
                )

        if by_evse:
            self._later(parts())

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(self, duration: int, evse_id: int, **kw: Any) -> Any:
        self.received.append(
            ("GetCompositeSchedule", {"duration": duration, "evseId": evse_id, **kw})
        )
        if evse_id > 2:
            return call_result.GetCompositeSchedule(status="Rejected")
        schedule = {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": now(),
            "charging_rate_unit": kw.get("charging_rate_unit", "A"),
            "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
        }
        return call_result.GetCompositeSchedule(status="Accepted", schedule=schedule)

    # --- Monitoring (N02-N06): variable monitors as a station keeps them -------------------
    monitoring_base = "All"
    monitoring_level = 9
    next_monitor_id = 100  # the station assigns the ids of new monitors
    monitoring_report_answer: str | None = None  # set to force GetMonitoringReport's answer

    @cached_property
    def monitors(self) -> dict[int, dict[str, Any]]:
        """Installed monitors by id: the SetMonitoringDataType entry (snake_case)."""
        return {}

    def _monitor_status(self, entry: dict[str, Any]) -> str:
        if entry["component"]["name"].startswith("Unknown"):
            return "UnknownComponent"
        if entry["value"] < 0 or ("id" in entry and entry["id"] not in self.monitors):
            return "Rejected"
        return "Accepted"

    @on("SetVariableMonitoring")
    def on_set_variable_monitoring(self, set_monitoring_data: list[dict[str, Any]]) -> Any:
        self.received.append(("SetVariableMonitoring", {"count": len(set_monitoring_data)}))
        results = []
        for entry in set_monitoring_data:
            status = self._monitor_status(entry)
            result = {key: entry[key] for key in ("type", "severity", "component", "variable")}
            if status == "Accepted":
                if "id" not in entry:
                    entry = {**entry, "id": self.next_monitor_id}
                    self.next_monitor_id += 1
                self.monitors[entry["id"]] = entry
                result["id"] = entry["id"]
            results.append({**result, "status": status})
        return call_result.SetVariableMonitoring(set_monitoring_result=results)

    @on("ClearVariableMonitoring")
    def on_clear_variable_monitoring(self, id: list[int], **kw: Any) -> Any:
        self.received.append(("ClearVariableMonitoring", {"id": id}))
        results = [
            {"id": i, "status": "Accepted" if self.monitors.pop(i, None) else "NotFound"}
            for i in id
        ]
        return call_result.ClearVariableMonitoring(clear_monitoring_result=results)

    @on("SetMonitoringBase")
    def on_set_monitoring_base(self, monitoring_base: str, **kw: Any) -> Any:
        self.received.append(("SetMonitoringBase", {"monitoringBase": monitoring_base}))
        self.monitoring_base = monitoring_base
        if monitoring_base != "All":  # N03.FR.05: custom monitors are removed
            self.monitors.clear()
        return call_result.SetMonitoringBase(status="Accepted")

    @on("SetMonitoringLevel")
    def on_set_monitoring_level(self, severity: int, **kw: Any) -> Any:
        self.received.append(("SetMonitoringLevel", {"severity": severity}))
        self.monitoring_level = severity
        return call_result.SetMonitoringLevel(status="Accepted")

    @on("GetMonitoringReport")
    def on_get_monitoring_report(self, request_id: int, **kw: Any) -> Any:
        self.received.append(("GetMonitoringReport", {"requestId": request_id, **kw}))
        answer = self.monitoring_report_answer or (
            "Accepted" if self.monitors else "EmptyResultSet"
        )
        return call_result.GetMonitoringReport(status=answer)

    @after("GetMonitoringReport")
    def after_get_monitoring_report(self, request_id: int, **kw: Any) -> None:
        if self.monitoring_report_answer is not None or not self.monitors:
            return
        held = sorted(self.monitors.items())

        async def parts() -> None:  # one part per monitor, so a report has several
            for seq, (monitor_id, entry) in enumerate(held):
                monitor = {
                    "id": monitor_id,
                    "transaction": entry.get("transaction", False),
                    "value": entry["value"],
                    "type": entry["type"],
                    "severity": entry["severity"],
                }
                await self.call(
                    call.NotifyMonitoringReport(
                        request_id=request_id,
                        seq_no=seq,
                        generated_at=now(),
                        tbc=seq < len(held) - 1,
                        monitor=[
                            {
                                "component": entry["component"],
                                "variable": entry["variable"],
                                "variable_monitoring": [monitor],
                            }
                        ],
                    )
                )

        self._later(parts())

    # --- O: display messages -------------------------------------------------------------

    @on("SetDisplayMessage")
    def on_set_display_message(self, message: dict[str, Any], **kw: Any) -> Any:
        self.received.append(("SetDisplayMessage", message))
        answer = self.display_answer or "Accepted"
        if answer == "Accepted":
            self.display_messages[message["id"]] = message
        return call_result.SetDisplayMessage(status=answer)

    def _shown(self, kw: dict[str, Any]) -> list[dict[str, Any]]:
        """The messages a GetDisplayMessages asks for (O04: ids, priority, state)."""
        return [
            m
            for i, m in sorted(self.display_messages.items())
            if i in kw.get("id", [i])
            and m["priority"] == kw.get("priority", m["priority"])
            and m.get("state") == kw.get("state", m.get("state"))
        ]

    @on("GetDisplayMessages")
    def on_get_display_messages(self, request_id: int, **kw: Any) -> Any:
        self.received.append(("GetDisplayMessages", {"requestId": request_id, **kw}))
        return call_result.GetDisplayMessages(status="Accepted" if self._shown(kw) else "Unknown")

    @after("GetDisplayMessages")
    def after_get_display_messages(self, request_id: int, **kw: Any) -> None:
        shown = self._shown(kw)
        size = self.display_part_size
        parts = [shown[i : i + size] for i in range(0, len(shown), size)]

        async def send() -> None:
            for index, part in enumerate(parts):
                await self.call(
                    call.NotifyDisplayMessages(
                        request_id=request_id, message_info=part, tbc=index < len(parts) - 1
                    )
                )

        if parts and self.display_report:
            self._later(send())

    @on("ClearDisplayMessage")
    def on_clear_display_message(self, id: int, **kw: Any) -> Any:
        self.received.append(("ClearDisplayMessage", {"id": id}))
        held = self.display_messages.pop(id, None)
        return call_result.ClearDisplayMessage(status="Accepted" if held else "Unknown")


HASH_DATA = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "a" * 64,
    "issuer_key_hash": "b" * 64,
    "serial_number": "1f",
}
