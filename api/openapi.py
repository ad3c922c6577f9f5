"""The OpenAPI 3.1 description served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared import names
from shared.actions import command_actions
from shared.names import OCPP_VERSIONS, ROLES

from .access import ADMIN_COMMANDS, ROUTE_ROLES
from .errors import json_response

_ERROR = {"$ref": "#/components/responses/Error"}


def _op(
    summary: str,
    ok: str = "200",
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    errors: tuple[str, ...] = ("404",),
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {ok: {"description": "OK"}, **{e: _ERROR for e in errors}},
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


PAGING = [_query("limit", "integer"), _query("skip", "integer")]

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "OCPP 2.0.1 CSMS operator API", "version": "1"},
    "paths": {
        "/api/v1/stations": {"get": _op("List stations", params=PAGING, errors=("400",))},
        "/api/v1/stations/{id}": {
            "parameters": [_path_param("id")],
            "put": {
                **_op(
                    "Register or update a station (201 when created)",
                    body="StationInput",
                    errors=("400", "422"),
                ),
                "description": "`password` sets an operator-chosen password (stored as scrypt); "
                '`"generatePassword": true` has the CSMS generate one (32 random characters, '
                "stored as a keyed verifier when STATION_PASSWORD_KEY is set, which the "
                "workers check at hash speed), returned once as `password` in the answer; "
                "only its verifier is kept. `passwordKeyId` in the answer names the key.",
            },
            "get": _op("What the CSMS knows of a station"),
            "delete": _op("Remove a station", ok="204"),
        },
        "/api/v1/id-tokens": {"get": _op("List id tokens", params=PAGING, errors=("400",))},
        "/api/v1/id-tokens/{idToken}": {
            "parameters": [_path_param("idToken")],
            "put": _op(
                "Create or update an id token (201 when created)",
                body="IdTokenInput",
                errors=("400", "422"),
            ),
            "get": _op("One id token"),
            "delete": _op("Remove an id token", ok="204"),
        },
        "/api/v1/local-lists/{listId}": {
            "parameters": [_path_param("listId")],
            "put": {
                **_op(
                    "Create or replace a local authorization list (201 when created)",
                    body="LocalListInput",
                    errors=("400", "409", "422"),
                ),
                "description": "Answers at once with each station's `{version, status, "
                "lastError}`, status `Updating`; the CSMS then sends each connected station "
                "SendLocalList (Full the first time, Differential after) within its "
                "LocalAuthListCtrlr limits and records `InSync` or `Failed`. A station is in "
                "one list at most (409). A station dropped from the list has its list emptied.",
            },
            "get": _op("A local list and its state on each station"),
            "delete": _op("Empty the list on every station it names (the list is kept)"),
        },
        "/api/v1/transactions": {
            "get": _op(
                "List transactions",
                params=[_query("stationId"), _query("active"), *PAGING],
                errors=("400",),
            )
        },
        "/api/v1/transactions/{transactionId}": {
            "get": {
                **_op(
                    "A transaction with its events in seqNo order",
                    params=[_path_param("transactionId"), _query("stationId")],
                    errors=("404", "409"),
                ),
                "description": '`cost` (a decimal string, e.g. `"4.00"`) and `currency`: '
                "the total cost of an ended transaction under a tariff, else null.",
            }
        },
        "/api/v1/stations/{id}/ocpp/{action}": {
            "parameters": [
                _path_param("id"),
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "enum": sorted(set().union(*map(command_actions, names.OCPP_VERSIONS))),
                    },
                },
                _query("wait", "boolean"),
                _query("timeout", "number"),
            ],
            "post": {
                **_op(
                    "Send an OCPP call to the station and return its answer",
                    body="OcppPayload",
                    errors=("404", "409", "422", "429", "502", "504"),
                ),
                "description": "The body is the request payload of `action` in the OCPP "
                "version the station's connection speaks (its `connection.ocppVersion`), "
                "validated against that version's official schema before anything is sent; "
                "404 for an action that version does not have. 200: "
                "`{commandId, response}`; 202 with `?wait=false`: `{commandId, status}`; 502: "
                "the station answered CALLERROR or an invalid payload; 409: not connected, "
                "disconnected mid-call, or reconnected in another version before the command "
                "went out (`other_version`); 504: no answer within `timeout` seconds.",
            },
        },
        "/api/v1/stations/{id}/reservations": {
            "post": {
                **_op(
                    "Reserve an EVSE (or any) for an id token (H01): sends ReserveNow",
                    ok="201",
                    body="ReservationInput",
                    params=[_path_param("id")],
                    errors=("404", "409", "422", "429", "502", "504"),
                ),
                "description": "201: the reservation as stored with the station's answer: "
                "`status` Accepted, or Rejected with the answer (Faulted, Occupied, Rejected, "
                "Unavailable) in `answer`. 409: the station is not connected (nothing stored). "
                "502/504 as for commands: the reservation stays Requested until it expires.",
            }
        },
        "/api/v1/stations/{id}/reservations/{reservationId}": {
            "parameters": [_path_param("id"), _path_param("reservationId")],
            "get": {
                **_op("One reservation", errors=("400", "404")),
                "description": "`status`: Requested, Accepted, Rejected, Cancelled, Used (with "
                "`transactionId`), Expired (station's ReservationStatusUpdate or `expiresAt` "
                "passed) or Removed; the earliest final one wins and stays.",
            },
            "delete": {
                **_op(
                    "Cancel a reservation (H02): sends CancelReservation",
                    errors=("400", "404", "409", "429", "502", "504"),
                ),
                "description": "200: Cancelled. 409: the reservation is no longer active, the "
                "station refused (its answer in `cancellation`) or is not connected.",
            },
        },
        "/api/v1/stations/{id}/charging-profiles": {
            "parameters": [_path_param("id")],
            "post": {
                **_op(
                    "Set a charging profile (K01): checked, then sent as SetChargingProfile",
                    ok="201",
                    body="ChargingProfileInput",
                    errors=("400", "404", "409", "422", "429", "502", "504"),
                ),
                "description": "The body is a SetChargingProfileRequest. 422: it breaks the "
                "schema (`detail`: `code`, `message`, `path`) or the rules of K01 checked "
                "against what the CSMS knows of the station (`detail`: a list of `{rule, path, "
                "message}`, `rule` a requirement id such as K01.FR.38, or null); nothing is "
                "sent. 201: the station accepted it, stored (replacing the one with that id). "
                "409: the station rejected it (`detail.status`, `detail.statusInfo`; nothing "
                "stored) or is not connected. 502/504 as for commands: nothing stored.",
            },
            "get": _op(
                "The CSMS's view of the station's charging profiles, by profile id",
                params=PAGING,
                errors=("400", "404"),
            ),
        },
        "/api/v1/stations/{id}/charging-profiles/refresh": {
            "post": {
                **_op(
                    "Ask the station what it holds (K09 GetChargingProfiles) and reconcile",
                    params=[_path_param("id")],
                    errors=("404", "409", "429", "502", "504"),
                ),
                "description": "Sends GetChargingProfiles for every profile and waits (the "
                "command timeout) for the ReportChargingProfiles parts; then stored profiles "
                "the station did not report are removed and reported ones the CSMS did not "
                "hold are stored with `source` station. 200: `{commandId, requestId, answer, "
                "removed, learnt, chargingProfiles}`. 504: no complete report in time, "
                "nothing changed.",
            }
        },
        "/api/v1/stations/{id}/charging-profiles/{profileId}": {
            "parameters": [_path_param("id"), _path_param("profileId")],
            "delete": {
                **_op(
                    "Clear a charging profile (K10): sends ClearChargingProfile",
                    errors=("400", "404", "409", "429", "502", "504"),
                ),
                "description": "200: `{answer, forgotten, ...}`; `answer` Accepted, or "
                "Unknown when the station holds no such profile: either way the CSMS forgets "
                "it (`forgotten`: it held it).",
            },
        },
        "/api/v1/stations/{id}/monitors": {
            "parameters": [_path_param("id")],
            "post": {
                **_op(
                    "Set variable monitors (N04): sends SetVariableMonitoring",
                    body="MonitorsInput",
                    errors=("400", "404", "409", "422", "429", "502", "504"),
                ),
                "description": "The body is a SetVariableMonitoringRequest: "
                "`setMonitoringData`, each entry `{component, variable, type (UpperThreshold, "
                "LowerThreshold, Delta, Periodic, PeriodicClockAligned), value, severity (0-9), "
                "transaction?, id? (only to replace a monitor)}`. 422: it breaks the schema "
                "(`detail`: `code`, `message`, `path`); nothing is sent. 200: "
                "`{commandId, setMonitoringResult, monitors}`: every result as the station gave "
                "it, accepted or not (UnknownComponent, UnknownVariable, "
                "UnsupportedMonitorType, Rejected, Duplicate), and the monitors stored: each "
                "accepted one under the id the station assigned. 409: not connected. "
                "502/504 as for commands: nothing stored.",
            },
            "get": _op(
                "The CSMS's view of the station's monitors by id, with the last accepted "
                "monitoringBase and severity level",
                params=PAGING,
                errors=("400", "404"),
            ),
        },
        "/api/v1/stations/{id}/monitors/refresh": {
            "post": {
                **_op(
                    "Ask the station for its monitors (N02 GetMonitoringReport) and reconcile",
                    params=[_path_param("id")],
                    errors=("404", "409", "429", "502", "504"),
                ),
                "description": "Sends GetMonitoringReport with a fresh requestId and waits (the "
                "command timeout) for the NotifyMonitoringReport parts until one has `tbc` "
                "false; then stored monitors the station did not report are removed and "
                "reported ones the CSMS did not hold as reported are stored with `source` "
                "station. EmptyResultSet: the station holds none. 200: `{commandId, "
                "requestId, answer, parts, removed, learnt, monitors}`. 409: the station "
                "answered Rejected or NotSupported, or is not connected. 504: no complete "
                "report in time; nothing changed.",
            }
        },
        "/api/v1/stations/{id}/monitors/base": {
            "put": {
                **_op(
                    "Set the monitoring base (N03): sends SetMonitoringBase",
                    body="MonitoringBaseInput",
                    params=[_path_param("id")],
                    errors=("400", "404", "409", "422", "429", "502", "504"),
                ),
                "description": "200: `{monitoringBase, answer, statusInfo, forgottenMonitors, "
                "commandId}`. Accepted is stored; FactoryDefault and HardWiredOnly make the "
                "station remove its custom monitors (N03.FR.05), so the CSMS forgets the ones "
                "it set (`forgottenMonitors`).",
            }
        },
        "/api/v1/stations/{id}/monitors/level": {
            "put": {
                **_op(
                    "Set the monitoring level (N05): sends SetMonitoringLevel",
                    body="MonitoringLevelInput",
                    params=[_path_param("id")],
                    errors=("400", "404", "409", "422", "429", "502", "504"),
                ),
                "description": "The station then reports only events of severity at most this "
                "(0 danger ... 9 debug). 200: `{severity, answer, statusInfo, commandId}`; "
                "Accepted is stored.",
            }
        },
        "/api/v1/stations/{id}/monitors/{monitorId}": {
            "parameters": [_path_param("id"), _path_param("monitorId")],
            "delete": {
                **_op(
                    "Clear a variable monitor (N06): sends ClearVariableMonitoring",
                    errors=("400", "404", "409", "429", "502", "504"),
                ),
                "description": "200: `{answer, statusInfo, forgotten, commandId}`; `answer` "
                "Accepted or NotFound: the CSMS forgets the monitor (`forgotten`: it held "
                "it); Rejected (e.g. a hard-wired monitor): it keeps it.",
            },
        },
        "/api/v1/alerts": {
            "get": {
                **_op(
                    "Alerts raised by the stations' monitors, newest first",
                    params=[
                        _query("stationId"),
                        _query("active", "boolean"),
                        _query("acknowledged", "boolean"),
                        *PAGING,
                    ],
                    errors=("400",),
                ),
                "description": "A NotifyEvent entry with `trigger` Alerting or Delta (not "
                "`cleared`) raises an alert: `{alertId, stationId, eventId, component, "
                "variable, variableMonitoringId, actualValue, trigger, severity (of the "
                "monitor, when the CSMS knows it, else null), techCode, techInfo, "
                "eventNotificationType, raisedAt, active, clearedAt, acknowledged, "
                "acknowledgement}`. An Alerting alert stays active until an entry with "
                "`cleared` true ends the active alerts of its component and variable (and "
                "monitor, when it names one); a Delta one (a value changed, never cleared by "
                "a station) is a notice stored inactive, `clearedAt` its `raisedAt`. "
                "Periodic entries raise none.",
            }
        },
        "/api/v1/alerts/{alertId}": {
            "get": _op("One alert", params=[_path_param("alertId")]),
        },
        "/api/v1/alerts/{alertId}/ack": {
            "post": {
                **_op(
                    "Acknowledge an alert",
                    body="AlertAckInput",
                    params=[_path_param("alertId")],
                    errors=("400", "404", "409", "422"),
                ),
                "description": "Records who (the API key's id and name) and when, with the "
                "optional note; the alert stays active until the station clears it. 200: the "
                "alert with `acknowledgement: {by, keyId, at, note}`. 409: acknowledged "
                "before; `detail` is the first acknowledgement, which stays.",
            }
        },
        "/api/v1/stations/{id}/composite-schedule": {
            "get": {
                **_op(
                    "The station's composite schedule (K08 GetCompositeSchedule)",
                    params=[
                        _path_param("id"),
                        {**_query("evseId", "integer"), "required": True},
                        {**_query("duration", "integer"), "required": True},
                        {
                            "name": "unit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["A", "W"]},
                        },
                    ],
                    errors=("404", "409", "422", "429", "502", "504"),
                ),
                "description": "`evseId` >= 0 (0: the grid connection), `duration` seconds "
                "> 0, else 422. 200: `{commandId, response}`, the station's answer as it "
                "gave it (`status` Accepted with `schedule`, or Rejected).",
            }
        },
        "/api/v1/stations/{id}/display-messages": {
            "parameters": [_path_param("id")],
            "post": {
                **_op(
                    "Show a new message on the station (O01, O02): sent as SetDisplayMessage",
                    ok="201",
                    body="DisplayMessageInput",
                    errors=("400", "404", "409", "422", "429", "502", "504"),
                ),
                "description": "The body is a MessageInfoType without `id`: the CSMS "
                "allocates it (random 31-bit, not held in the CSMS's view). 422: it breaks the "
                "schema (`detail`: `code`, `message`, `path`), `endDateTime` is not after "
                "`startDateTime` or already past, or `transactionId` names no transaction "
                "running on the station; nothing is sent. 201: the station accepted it, stored "
                "with its `messageId`. 409: the station answered otherwise (`detail.status`: "
                "Rejected, NotSupportedMessageFormat, NotSupportedPriority, NotSupportedState, "
                "UnknownTransaction; nothing stored) or is not connected. 502/504 as for "
                "commands: nothing stored.",
            },
            "get": {
                **_op(
                    "The CSMS's view of the station's display messages, by message id",
                    params=[*PAGING, _query("refresh", "boolean")],
                    errors=("400", "404", "409", "429", "502", "504"),
                ),
                "description": "`?refresh=true` first refreshes the view and answers as POST "
                ".../display-messages/refresh does; it needs the operator role (it sends a "
                "command) and is audited.",
            },
        },
        "/api/v1/stations/{id}/display-messages/refresh": {
            "post": {
                **_op(
                    "Ask the station what it shows (O03 GetDisplayMessages) and reconcile",
                    params=[_path_param("id")],
                    errors=("404", "409", "429", "502", "504"),
                ),
                "description": "Sends GetDisplayMessages for every message and waits (the "
                "command timeout) for the NotifyDisplayMessages parts, up to the one with "
                "`tbc` false; then stored messages the station did not report are removed and "
                "reported ones the CSMS did not hold (or holds otherwise) are stored with "
                "`source` station. 200: `{commandId, requestId, answer, parts, removed, "
                "learnt, displayMessages}`; `answer` Unknown: the station holds none. 504: no "
                "complete report in time, nothing changed.",
            }
        },
        "/api/v1/stations/{id}/display-messages/{messageId}": {
            "parameters": [_path_param("id"), _path_param("messageId")],
            "put": {
                **_op(
                    "Replace the message with this id (O06): sent as SetDisplayMessage",
                    body="DisplayMessageInput",
                    errors=("400", "404", "409", "422", "429", "502", "504"),
                ),
                "description": "As POST, under the given id (also one only the station "
                "holds). 200: the station accepted it, stored in place of the old one.",
            },
            "delete": {
                **_op(
                    "Clear a display message (O05): sends ClearDisplayMessage",
                    errors=("400", "404", "409", "429", "502", "504"),
                ),
                "description": "200: `{answer, forgotten, ...}`; `answer` Accepted, or "
                "Unknown when the station holds no such message: either way the CSMS forgets "
                "it (`forgotten`: it held it).",
            },
        },
        "/api/v1/reservations": {
            "get": _op(
                "Reservations, newest first",
                params=[_query("stationId"), _query("active", "boolean"), *PAGING],
                errors=("400",),
            )
        },
        "/api/v1/commands": {
            "get": _op(
                "Recent commands, newest first",
                params=[_query("stationId"), *PAGING],
                errors=("400",),
            )
        },
        "/api/v1/commands/{commandId}": {
            "get": _op(
                "A command: pending, answered, callerror, invalid_response, timeout, offline, "
                "disconnected or busy",
                params=[_path_param("commandId")],
            )
        },
        "/api/v1/stations/{id}/accept": {
            "post": _op(
                "Accept a Pending station (B02): next BootNotification Accepted, one is triggered",
                params=[_path_param("id")],
            )
        },
        "/api/v1/stations/{id}/device-model": {
            "get": _op(
                "Components and variables from reports and GetVariables/SetVariables",
                params=[_path_param("id")],
            )
        },
        "/api/v1/stations/{id}/reports": {
            "get": _op(
                "Report requests and the NotifyReport parts received", params=[_path_param("id")]
            )
        },
        "/api/v1/stations/{id}/customer-information": {
            "get": _op(
                "NotifyCustomerInformation parts", params=[_path_param("id"), _query("requestId")]
            )
        },
        "/api/v1/stations/{id}/security-events": {
            "get": {
                **_op(
                    "The station's security events (A04), newest first by their timestamp",
                    params=[_path_param("id"), *PAGING],
                ),
                "description": "200: `{securityEvents, total}`; each `{type, timestamp, "
                "techInfo, source, receivedAt}`, `source` station (SecurityEventNotification) "
                "or csms (one the CSMS recorded: a refused login, a certificate not renewed).",
            }
        },
        "/api/v1/stations/{id}/messages": {
            "get": {
                **_op(
                    "What an OCPP 2.1 station sent beyond 2.0.1, kept as sent, newest first",
                    params=[_path_param("id"), *PAGING],
                ),
                "description": "200: `{messages}`; each `{action, ocppVersion, payload, "
                "receivedAt, ...}` (BatterySwap, NotifyDERAlarm, NotifySettlement, "
                "VatNumberValidation...; `CALLRESULTERROR` when the station could not process "
                "an answer of ours, with `answeredMessageId`).",
            }
        },
        "/api/v1/stations/{id}/event-streams": {
            "get": _op(
                "The periodic event streams an OCPP 2.1 station opened "
                "(`{streams}`: streamId, variableMonitoringId, params, open, openedAt, closedAt)",
                params=[_path_param("id")],
            )
        },
        "/api/v1/stations/{id}/event-streams/{streamId}": {
            "get": _op(
                "One event stream and its newest parts (NotifyPeriodicEventStream; `limit`, "
                "at most 100): `parts` each basetime, pending, data, known",
                params=[_path_param("id"), _path_param("streamId"), _query("limit", "integer")],
            )
        },
        "/api/v1/stations/{id}/password": {
            "post": _op(
                "Rotate the station's Basic auth password via SetVariables(BasicAuthPassword); "
                "body `{}` generates one (returned once, stored as a keyed verifier when "
                'STATION_PASSWORD_KEY is set) or `{"password": ...}` (stored as scrypt); stored '
                "only if the station accepted it",
                params=[_path_param("id")],
                errors=("404", "409", "422", "502", "504"),
            )
        },
        "/api/v1/stations/{id}/certificates": {
            "get": {
                **_op(
                    "Certificates signed (or refused) for the station, roots installed on it, "
                    "and what it holds",
                    params=[_path_param("id")],
                ),
                "description": "200: `{certificates, installed}`. `certificates`: newest first, "
                "what the CSMS signed or refused (SignCertificate, `certificateType` "
                "ChargingStationCertificate or V2GCertificate, `issuer`, `notAfter`) and the "
                "roots installed through this API (`source` api, `answer`, "
                "`certificateHashData`, `notAfter`); `status` csr_rejected, signed, installed "
                "or not_installed. Each signed certificate also has `certificateId` (what "
                "`certificate.renewal` events and `renewedBy` name) and `renewal`: `{attempts, "
                "lastAttemptAt, lastOutcome, nextAttemptAt, renewedBy, renewedAt}`, or null "
                "before the first renewal attempt (README, Plug & Charge: Renewal). "
                "`installed`: the last "
                "refresh's answer (`answer`, `certificateHashDataChain` with `installedBy`: the "
                "command id of the API install an entry matches, or null; `refreshedAt`), or "
                "null.",
            },
            "post": {
                **_op(
                    "Install a root certificate on the station (M05 InstallCertificate)",
                    ok="201",
                    body="RootCertificateInput",
                    params=[_path_param("id")],
                    errors=("404", "409", "422", "429", "502", "504"),
                ),
                "description": "The certificate must be one PEM CA certificate (else 422, "
                "nothing sent). 201: the record (`status` installed, `certificateHashData`); "
                "409: the station answered Rejected or Failed (recorded as not_installed). "
                "Publishes `root.installed` or `root.rejected`.",
            },
        },
        "/api/v1/stations/{id}/certificates/refresh": {
            "post": {
                **_op(
                    "Ask the station what certificates it holds (M03 GetInstalledCertificateIds)",
                    params=[_path_param("id")],
                    errors=("404", "409", "429", "502", "504"),
                ),
                "description": "Sends GetInstalledCertificateIds for every type and stores the "
                "answer as the station's inventory. 200: `{answer, certificateHashDataChain, "
                "commandId, refreshedAt}` (`answer` NotFound: it holds none).",
            }
        },
        "/api/v1/transactions/{transactionId}/meter-values": {
            "get": _op(
                "Meter values of a transaction",
                params=[_path_param("transactionId"), _query("stationId")],
                errors=("404", "409"),
            )
        },
        "/api/v1/api-keys": {
            "get": _op("API keys (never the keys themselves)", params=PAGING, errors=("400",)),
            "post": {
                **_op("Create an API key", ok="201", body="ApiKeyInput", errors=("400", "422")),
                "description": "201: `{id, name, role, createdAt, createdBy, revokedAt, key}`. "
                "`key` is shown this once; only its SHA-256 is stored.",
            },
        },
        "/api/v1/api-keys/{keyId}": {
            "parameters": [_path_param("keyId")],
            "delete": _op("Revoke an API key, at once on every API replica", ok="204"),
        },
        "/api/v1/audit": {
            "get": _op(
                "State-changing API requests and their outcome, newest first",
                params=[_query("station"), _query("keyId"), *PAGING],
                errors=("400",),
            )
        },
        "/api/v1/stations/{id}/contract-requests": {
            "get": {
                **_op(
                    "The station's Get15118EVCertificate requests and their outcome, newest first",
                    params=[_path_param("id"), *PAGING],
                    errors=("400", "404"),
                ),
                "description": "`{contractRequests: [{stationId, messageId, action, "
                "iso15118SchemaVersion, status, reasonCode, error, exiRequestSha256, "
                "exiRequestChars, exiResponseChars, ms, at}]}` (README, Plug & Charge).",
            }
        },
        "/api/v1/stations/{id}/certificate-checks": {
            "get": {
                **_op(
                    "The station's OCSP checks (Plug & Charge Authorize, GetCertificateStatus)",
                    params=[_path_param("id"), *PAGING],
                    errors=("400", "404"),
                ),
                "description": "`{certificateChecks: [{stationId, messageId, action, idToken, "
                "serialNumber, certificateStatus, status, reasonCode, responders, detail, at}]}`, "
                "newest first; `detail`: why an Authorize `certificate` chain was refused "
                "before any responder was asked (README, Plug & Charge).",
            }
        },
        "/api/v1/sites": {
            "get": _op(
                "Sites (grid connections shared by their stations), each with its allocation",
                params=PAGING,
                errors=("400",),
            )
        },
        "/api/v1/sites/{siteId}": {
            "parameters": [_path_param("siteId")],
            "get": {
                **_op("One site: definition, external limit, effective limit, allocations"),
                "description": "`effectiveLimit`: the smaller of `maxCurrent` and the external "
                "limit while it holds. `allocations`: one per running transaction of the "
                "site's stations, `{stationId, evseId, transactionId, limit, unit, sentAt, "
                "status, countedAt}`; `status` Accepted, Rejected or NotDelivered (counted at "
                "`countedAt`, the EVSE maximum, until the station accepts a limit) or Sending. "
                "`allocatedCurrent`: their sum as counted.",
            },
            "put": {
                **_op(
                    "Define or replace a site; its allocation is recomputed within seconds",
                    body="SiteInput",
                    errors=("400", "409", "422"),
                ),
                "description": "201 when new, 200 when replaced. 409: a station belongs to "
                "another site (`detail`: station -> site). 422: a field is wrong, or a "
                "station is not registered.",
            },
            "delete": _op(
                "Delete a site: its stations' transactions keep the last limit sent",
                errors=("400", "404"),
            ),
        },
        "/api/v1/sites/{siteId}/limit": {
            "parameters": [_path_param("siteId")],
            "put": {
                **_op(
                    "Set the site's external limit (grid operator, energy manager)",
                    body="SiteLimitInput",
                    errors=("400", "404", "422"),
                ),
                "description": "The site's effective limit becomes the smaller of its "
                "`maxCurrent` and this one, until `until` (if given) passes. Replaces the "
                "previous external limit. 200: the site as GET shows it.",
            },
            "delete": _op("Clear the site's external limit", errors=("400", "404")),
        },
        "/api/v1/tariffs": {
            "get": _op("Tariffs, by id", params=PAGING, errors=("400",)),
        },
        "/api/v1/tariffs/{tariffId}": {
            "parameters": [_path_param("tariffId")],
            "get": _op("One tariff", errors=("400", "404")),
            "put": {
                **_op(
                    "Define or replace a tariff",
                    body="TariffInput",
                    errors=("400", "409", "422"),
                ),
                "description": "201 when new, 200 when replaced: `{tariffId, currency, "
                "pricePerKWh, pricePerMinute, sessionFee, description, stations, default, "
                "updatedAt}`. 409: a station has another tariff (`detail`: station -> "
                "tariff). 422: a field is wrong, or a station is not registered. Applies to "
                "transactions that start within TARIFF_CACHE_SECONDS.",
            },
            "delete": _op(
                "Delete a tariff: its stations fall back to the default one",
                errors=("400", "404"),
            ),
        },
    },
    "security": [{"apiKey": []}],
    "components": {
        "securitySchemes": {
            "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "An operator API key (`csms_...`, or API_ADMIN_KEY) with a role: "
                "viewer reads everything except secrets; operator also sends commands, "
                "manages id tokens and reservations; admin also manages stations, credentials, "
                "certificates, API keys and reads the audit log. Each operation's `x-role` "
                "names the least role it needs. Missing or unknown key: 401; role too low: 403.",
            }
        },
        "responses": {
            "OcppPayload": {"type": "object", "description": "OCPP 2.0.1 request payload"},
            "Error": {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
        "schemas": {
            "OcppPayload": {"type": "object", "description": "OCPP 2.0.1 request payload"},
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {"type": "string"},
                    "detail": {},
                    "requestId": {
                        "type": "string",
                        "description": "Also in the X-Request-Id header and the log lines.",
                    },
                },
            },
            "ChargingProfileInput": {
                "type": "object",
                "required": ["evseId", "chargingProfile"],
                "properties": {
                    "evseId": {"type": "integer", "minimum": 0},
                    "chargingProfile": {
                        "type": "object",
                        "description": "OCPP 2.0.1 ChargingProfileType",
                    },
                },
            },
            "MonitorsInput": {
                "type": "object",
                "required": ["setMonitoringData"],
                "properties": {
                    "setMonitoringData": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "description": "OCPP 2.0.1 SetMonitoringDataType",
                        },
                    },
                },
            },
            "MonitoringBaseInput": {
                "type": "object",
                "required": ["monitoringBase"],
                "additionalProperties": False,
                "properties": {
                    "monitoringBase": {
                        "type": "string",
                        "enum": ["All", "FactoryDefault", "HardWiredOnly"],
                    }
                },
            },
            "MonitoringLevelInput": {
                "type": "object",
                "required": ["severity"],
                "additionalProperties": False,
                "properties": {"severity": {"type": "integer", "minimum": 0, "maximum": 9}},
            },
            "AlertAckInput": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"note": {"type": "string", "maxLength": 500}},
            },
            "DisplayMessageInput": {
                "type": "object",
                "description": "OCPP 2.0.1 MessageInfoType without `id`",
                "required": ["priority", "message"],
                "properties": {
                    "priority": {
                        "type": "string",
                        "enum": ["AlwaysFront", "InFront", "NormalCycle"],
                    },
                    "state": {
                        "type": "string",
                        "enum": ["Charging", "Faulted", "Idle", "Unavailable"],
                    },
                    "startDateTime": {"type": "string", "format": "date-time"},
                    "endDateTime": {"type": "string", "format": "date-time"},
                    "transactionId": {"type": "string", "maxLength": 36},
                    "message": {
                        "type": "object",
                        "description": "MessageContentType: format (ASCII, HTML, URI, UTF8), "
                        "content (up to 512), language",
                    },
                    "display": {"type": "object", "description": "ComponentType"},
                },
            },
            "ApiKeyInput": {
                "type": "object",
                "required": ["name", "role"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "role": {"type": "string", "enum": list(ROLES)},
                },
            },
            "StationInput": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "password": {
                        "type": ["string", "null"],
                        "minLength": 16,
                        "maxLength": 64,
                        "pattern": "^[A-Za-z0-9*\\-_=:+|@.]+$",
                        "description": "Operator-chosen password; null removes it.",
                    },
                    "generatePassword": {
                        "type": "boolean",
                        "default": False,
                        "description": "true: the CSMS generates the password and returns it "
                        "once as `password`; not together with `password`.",
                    },
                    "securityProfile": {"type": "integer", "minimum": 0, "maximum": 3},
                    "bootPolicy": {
                        "type": ["string", "null"],
                        "enum": ["Accepted", "Pending", "Rejected", None],
                    },
                    "ocppVersions": {
                        "type": ["array", "null"],
                        "items": {"type": "string", "enum": list(OCPP_VERSIONS)},
                        "minItems": 1,
                        "uniqueItems": True,
                        "description": "The OCPP versions (websocket subprotocols) the station "
                        "may connect with, among those the deployment accepts (OCPP_VERSIONS, "
                        "whose order decides); null removes the restriction. A live "
                        "connection speaking a version left out is closed (1008), so the "
                        "station reconnects under the new list.",
                    },
                },
            },
            "RootCertificateInput": {
                "type": "object",
                "required": ["certificateType", "certificate"],
                "additionalProperties": False,
                "properties": {
                    "certificateType": {
                        "type": "string",
                        "enum": [
                            "V2GRootCertificate",
                            "MORootCertificate",
                            "CSMSRootCertificate",
                            "ManufacturerRootCertificate",
                        ],
                    },
                    "certificate": {
                        "type": "string",
                        "maxLength": 5500,
                        "description": "One PEM X.509 CA certificate.",
                    },
                },
            },
            "ReservationInput": {
                "type": "object",
                "required": ["idToken", "expiresAt"],
                "additionalProperties": False,
                "properties": {
                    "idToken": {
                        "type": "object",
                        "description": "OCPP IdTokenType, e.g. "
                        '`{"idToken": "04A1B2", "type": "ISO14443"}`',
                    },
                    "groupIdToken": {"type": "object", "description": "OCPP IdTokenType"},
                    "evseId": {"type": "integer", "description": "absent: any EVSE"},
                    "connectorType": {"type": "string", "description": "OCPP ConnectorEnumType"},
                    "expiresAt": {"type": "string", "format": "date-time"},
                },
            },
            "SiteInput": {
                "type": "object",
                "required": ["maxCurrent"],
                "additionalProperties": False,
                "description": "Currents in A per phase.",
                "properties": {
                    "name": {"type": "string", "maxLength": 200},
                    "maxCurrent": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000},
                    "phases": {"type": "integer", "enum": [1, 2, 3], "default": 3},
                    "minCurrent": {
                        "type": "number",
                        "minimum": 0,
                        "default": 6,
                        "description": "The least a transaction is given; when there is not "
                        "enough for everyone, the newest get 0 A.",
                    },
                    "stations": {
                        "type": "array",
                        "items": {"type": "string"},
                        "uniqueItems": True,
                        "description": "Registered station ids; a station is in one site.",
                    },
                    "evseMaxCurrent": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "description": "Each EVSE's maximum; default SITE_EVSE_MAX_CURRENT.",
                    },
                    "voltage": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "default": 230,
                        "description": "Phase voltage, to turn an EV's power needs into A.",
                    },
                },
            },
            "TariffInput": {
                "type": "object",
                "required": ["currency"],
                "additionalProperties": False,
                "description": "Amounts are decimals with at most 4 decimals, 0 to 100000 "
                "(default 0); costs are rounded half up to the currency's minor unit.",
                "properties": {
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "pricePerKWh": {"type": "number", "minimum": 0, "maximum": 100000},
                    "pricePerMinute": {"type": "number", "minimum": 0, "maximum": 100000},
                    "sessionFee": {"type": "number", "minimum": 0, "maximum": 100000},
                    "description": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "maxLength": 512},
                        "description": "Language (RFC 5646) -> text shown to drivers as "
                        "`idTokenInfo.personalMessage` (I01), e.g. "
                        '`{"en": "0.30 EUR/kWh + 1.00 EUR per session"}`.',
                    },
                    "stations": {
                        "type": "array",
                        "items": {"type": "string"},
                        "uniqueItems": True,
                        "description": "Registered station ids; a station has one tariff.",
                    },
                    "default": {
                        "type": "boolean",
                        "default": False,
                        "description": "The tariff of every station without one of its own; "
                        "true takes it from the previous default tariff.",
                    },
                },
            },
            "SiteLimitInput": {
                "type": "object",
                "required": ["maxCurrent"],
                "additionalProperties": False,
                "properties": {
                    "maxCurrent": {"type": "number", "minimum": 0, "maximum": 100000},
                    "until": {
                        "type": "string",
                        "format": "date-time",
                        "description": "absent: until cleared",
                    },
                    "source": {
                        "type": "string",
                        "maxLength": 200,
                        "description": "Who set it, e.g. DSO or EMS (shown, not interpreted).",
                    },
                },
            },
            "LocalListInput": {
                "type": "object",
                "required": ["idTokens", "stations"],
                "additionalProperties": False,
                "properties": {
                    "idTokens": {
                        "type": "array",
                        "items": {"type": "string"},
                        "uniqueItems": True,
                        "description": "Values of id tokens known to /api/v1/id-tokens.",
                    },
                    "stations": {
                        "type": "array",
                        "items": {"type": "string"},
                        "uniqueItems": True,
                        "description": "Registered station ids.",
                    },
                },
            },
            "IdTokenInput": {
                "type": "object",
                "required": ["type"],
                "additionalProperties": False,
                "properties": {
                    "type": {"type": "string"},
                    "status": {"type": "string", "default": "Accepted"},
                    "groupIdToken": {"type": ["object", "null"]},
                    "expiresAt": {"type": ["string", "null"], "format": "date-time"},
                    "personalMessage": {
                        "type": ["object", "null"],
                        "description": "MessageContentType: `format` (ASCII, HTML, URI, UTF8), "
                        "`content` (at most 512 characters), optional `language` (at most 8); "
                        "sent in idTokenInfo.",
                    },
                },
            },
        },
    },
}


def _with_roles(spec: dict[str, Any]) -> dict[str, Any]:
    """Each operation names the role it needs (``x-role``) and answers 401 and 403."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            op["x-role"] = ROUTE_ROLES[(method.upper(), path)]
            op["responses"].update({"401": _ERROR, "403": _ERROR})
    command = spec["paths"]["/api/v1/stations/{id}/ocpp/{action}"]["post"]
    command["description"] += " Needs admin for " + ", ".join(sorted(ADMIN_COMMANDS)) + "."
    return spec


_with_roles(SPEC)


async def get_openapi(request: web.Request) -> web.Response:
    return json_response(SPEC)


ROUTES = [web.get("/api/v1/openapi.json", get_openapi)]
