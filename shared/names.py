"""Every bus name, event key and collection name, so that both sides agree by import.

Nothing else in the code base spells one of these strings out.
"""

# --- OCPP versions (the WebSocket subprotocol names, part 4 / OCPP-J) -------------
OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
OCPP21 = "ocpp2.1"
OCPP_VERSIONS = (OCPP21, OCPP201, OCPP16)
"""Every version this code knows, newest first (the default preference order)."""
SCHEMA_PACKAGES = {OCPP16: "v16", OCPP201: "v201", OCPP21: "v21"}
"""The ``ocpp`` package's folder of each version's official JSON schemas."""

# --- RabbitMQ -----------------------------------------------------------------
INBOUND_QUEUE = "ocpp.inbound"
"""Durable queue: every frame a station sends, wrapped in an envelope."""

RPC_QUEUE = "ocpp.rpc"
"""Durable queue: internal requests such as the handshake ``auth`` check."""

STATION_EXCHANGE = "ocpp.station"
"""Direct exchange: commands to one station, routing key = station id. Only command senders
(workers, API, integrations allowed to) may publish here: a gateway accepts a command only
if RabbitMQ delivered it from this exchange."""

TAKEOVER_EXCHANGE = "ocpp.takeover"
"""Fanout exchange bound into ``ocpp.station``: a gateway's takeover notice (routing key =
station id) reaches the gateway holding the station, while gateways need no right to publish
commands. A gateway accepts a takeover only from here."""

EVENTS_EXCHANGE = "ocpp.events"
"""Topic exchange: domain events for other services."""

GATEWAYS_EXCHANGE = "ocpp.gateways"
"""Fanout exchange: notices every gateway receives (each binds its queue to it at start)."""

PRESENCE_QUEUE = "ocpp.presence"
"""Durable single-active-consumer queue: connect/disconnect events, in order, for workers."""

SITES_QUEUE = "ocpp.sites"
"""Durable single-active-consumer queue: the events that change a site's allocation
(transactions starting and ending, EV needs, station limits, site changes), so exactly one
worker recomputes sites at a time (``workers/sites.py``)."""

SITE_LIMITS_EXCHANGE = "ocpp.site-limits"
"""Fanout exchange bound into ``ocpp.sites``: an energy manager's site limits (``site.limit``
messages, JSON), applied by the worker that recomputes sites. Only workers declare and bind
it, so the gateway's and the API's permissions do not grow; an energy manager may write here
and nowhere else (deploy/k8s/integrations/energy-manager.yaml)."""

GATEWAY_QUEUE_PREFIX = "gateway."
COMMAND_QUEUE_PREFIX = "commands."
"""Exclusive queues of ``shared.commands.CommandClient``: ``commands.<12 hex>``, one a process."""
CONSOLE_QUEUE_PREFIX = "console."
"""Exclusive queues of the operator console's live feed: ``console.<12 hex>``, one per API
process, bound to ``ocpp.events`` (``api/console/live.py``)."""

DEFAULT_EXCHANGE = "amq.default"
"""How RabbitMQ permissions name the default exchange (""), through which a message goes
straight to the queue its routing key names: whoever may write to it reaches every queue."""


def gateway_queue(gateway_id: str) -> str:
    """The exclusive queue a gateway consumes replies and commands from."""
    return f"{GATEWAY_QUEUE_PREFIX}{gateway_id}"


# AMQP ``type`` of each message kind, so a consumer can tell them apart before decoding.
TYPE_INBOUND = "inbound"  # gateway -> ocpp.inbound: a station's frame
TYPE_REPLY = "reply"  # worker -> gateway.<id>: the answer to a station's CALL
TYPE_AUTH = "auth"  # gateway -> ocpp.rpc: handshake credential check
TYPE_AUTH_RESULT = "auth.result"  # worker -> gateway.<id>
TYPE_TAKEOVER = "takeover"  # gateway -> ocpp.station: "I now own this station"
TYPE_COMMAND = "command"  # client -> ocpp.station: a CSMS-initiated CALL for the station
TYPE_COMMAND_RESULT = "command.result"  # gateway/client -> reply_to and ocpp.inbound
TYPE_CREDENTIALS_CHANGED = "credentials.changed"  # worker/API -> ocpp.gateways: drop cache
TYPE_SITE_LIMIT = "site.limit"  # energy manager -> ocpp.site-limits: set or clear a site's limit

# --- Domain events on EVENTS_EXCHANGE: "<noun>.<verb>.<stationId>" -------------
EVENT_STATION_CONNECTED = "station.connected"
EVENT_STATION_DISCONNECTED = "station.disconnected"
EVENT_STATION_BOOTED = "station.booted"
EVENT_HEARTBEAT = "station.heartbeat"
EVENT_STATUS_CHANGED = "status.changed"
EVENT_AUTHORIZED = "authorization.checked"
EVENT_TRANSACTION_STARTED = "transaction.started"
EVENT_TRANSACTION_UPDATED = "transaction.updated"
EVENT_TRANSACTION_ENDED = "transaction.ended"
EVENT_METER_VALUES = "meter.values"
EVENT_NOTIFY = "station.event"
EVENT_REPORT = "report.received"
EVENT_SECURITY = "security.event"
EVENT_FIRMWARE_STATUS = "firmware.status"
EVENT_LOG_STATUS = "log.status"
EVENT_CUSTOMER_INFORMATION = "customer.information"
EVENT_DATA_TRANSFER = "data.transfer"
EVENT_COMMAND_COMPLETED = "command.completed"
EVENT_CERTIFICATE = "certificate.status"
EVENT_CERTIFICATE_RENEWAL = "certificate.renewal"  # worker: a renewal attempt's outcome, or done
EVENT_CONTRACT_REQUESTED = "contract.requested"  # worker: Get15118EVCertificate answered (M01/M02)
# Roots the operator installs on a station through the API (M05 InstallCertificate).
EVENT_ROOT_INSTALLED = "root.installed"  # API: the station accepted InstallCertificate
EVENT_ROOT_REJECTED = "root.rejected"  # API: it answered Rejected or Failed
# Reservations (H01-H04): one event per state a reservation reaches (store/reservations.py).
EVENT_RESERVATION_ACCEPTED = "reservation.accepted"  # API: the station accepted ReserveNow
EVENT_RESERVATION_REJECTED = "reservation.rejected"  # API: any other ReserveNow answer
EVENT_RESERVATION_CANCELLED = "reservation.cancelled"  # API: CancelReservation accepted
EVENT_RESERVATION_USED = "reservation.used"  # worker: a TransactionEvent with its id
EVENT_RESERVATION_EXPIRED = "reservation.expired"  # worker: ReservationStatusUpdate Expired
EVENT_RESERVATION_REMOVED = "reservation.removed"  # worker: ReservationStatusUpdate Removed
# Smart charging (K): what a station reports, stored by store/charging_limits.py.
EVENT_CHARGING_LIMIT = "charging.limit"  # NotifyChargingLimit set or ClearedChargingLimit
EVENT_CHARGING_NEEDS = "charging.needs"  # NotifyEVChargingNeeds
EVENT_CHARGING_SCHEDULE = "charging.schedule"  # NotifyEVChargingSchedule
EVENT_CHARGING_PROFILES = "charging.profiles"  # a ReportChargingProfiles part
EVENT_SITE_CHANGED = "site.changed"  # API, bus: a site, its stations or its external limit changed
EVENT_SITE_ALLOCATION_CHANGED = "site.allocation.changed"  # worker: new limits were sent
# Keyed "<event>.<siteId>": a site's events, not a station's. The allocation's is three words,
# as issue #14 names it for consumers (bind "site.allocation.changed.#").
SITE_EVENTS = (EVENT_SITE_CHANGED, EVENT_SITE_ALLOCATION_CHANGED)
# site.changed's ``cause`` when the external limit changed, and ``by``: which way it came in.
CAUSE_LIMIT_SET = "limit.set"
CAUSE_LIMIT_CLEARED = "limit.cleared"
BY_API = "api"
BY_BUS = "bus"  # a site.limit message on ocpp.site-limits
# Charging profiles the operator sets through the API (K01, K10): one noun, as every key is
# "<noun>.<verb>.<station>" (three words), so not "charging.profile.set".
EVENT_PROFILE_SET = "profile.set"  # API: the station accepted SetChargingProfile
EVENT_PROFILE_CLEARED = "profile.cleared"  # API: ClearChargingProfile answered Accepted/Unknown
# Monitoring (N02-N08): monitors the operator sets (API), alerts from NotifyEvent (workers).
EVENT_MONITOR_SET = "monitor.set"  # API: the station accepted a SetVariableMonitoring entry
EVENT_MONITOR_CLEARED = "monitor.cleared"  # API: ClearVariableMonitoring Accepted/NotFound
EVENT_MONITORING_REPORT = "monitoring.reported"  # worker: a NotifyMonitoringReport part
EVENT_ALERT_RAISED = "alert.raised"  # worker: a NotifyEvent entry with trigger Alerting/Delta
EVENT_ALERT_CLEARED = "alert.cleared"  # worker: a NotifyEvent entry with cleared true
EVENT_ALERT_ACKNOWLEDGED = "alert.acknowledged"  # API: an operator acknowledged an alert
# Display messages (O01-O06): the API's changes to what a station shows, the workers' reports.
EVENT_DISPLAY_SET = "display.set"  # API: the station accepted SetDisplayMessage
EVENT_DISPLAY_CLEARED = "display.cleared"  # API: ClearDisplayMessage answered Accepted/Unknown
EVENT_DISPLAY_REPORT = "display.report"  # worker: a NotifyDisplayMessages part
EVENT_API_AUDIT = "api.request"  # an operator API request that changed (or tried to) state
# OCPP 2.1's own station messages (workers/handlers/v21): each stored, then published.
EVENT_STATION_MESSAGE = "station.message"  # a 2.1 message stored as sent (STATION_MESSAGES)
EVENT_PRIORITY_CHARGING = "priority.charging"  # NotifyPriorityCharging
EVENT_BATTERY_SWAP = "battery.swap"  # BatterySwap: a battery went in or out
EVENT_STREAM_OPENED = "stream.opened"  # OpenPeriodicEventStream accepted
EVENT_STREAM_CLOSED = "stream.closed"  # ClosePeriodicEventStream
EVENT_STREAM_DATA = "stream.data"  # NotifyPeriodicEventStream (a SEND: never answered)
EVENT_REPLY_REFUSED = "reply.refused"  # CALLRESULTERROR: the station refused an answer of ours


def event_key(event: str, station_id: str) -> str:
    """Routing key of a domain event.

    A station id may contain '.', which a topic exchange reads as a word separator, so it
    is written as '~' (a character identifierString never holds). The event payload always
    carries the real id.
    """
    return f"{event}.{station_id.replace('.', '~')}"


# --- MongoDB collections --------------------------------------------------------
STATIONS = "stations"
API_KEYS = "api_keys"  # operator API keys: role and SHA-256 of the key, never the key
AUDIT = "audit"  # every state-changing operator API request and its outcome
STATION_STATE = "station_state"
PRESENCE = "presence"  # one document per station, written only by the presence consumer
LAST_SEEN = "last_seen"  # one document per station, batched $max writes from workers
CONNECTORS = "connector_status"
ID_TOKENS = "id_tokens"
TRANSACTIONS = "transactions"
OCPP16_NUMBERS = "ocpp16_numbers"  # per 1.6 message: the transactionId or seqNo it was given
TRANSACTION_EVENTS = "transaction_events"
METER_VALUES = "meter_values"
DEVICE_MODEL = "device_model"
REPORTS = "reports"
REPORT_PARTS = "report_parts"
STATION_EVENTS = "station_events"
SECURITY_EVENTS = "security_events"
CUSTOMER_INFORMATION = "customer_information"
DATA_TRANSFERS = "data_transfers"
COMMANDS = "commands"
RESERVATIONS = "reservations"  # one per reservation, written only by the API (create, cancel)
RESERVATION_FACTS = "reservation_facts"  # what stations said of one, written only by workers
LOCAL_LISTS = "local_lists"  # operator-defined local authorization lists (D01), one per listId
LOCAL_LIST_SYNC = "local_list_sync"  # what each station holds of its list: <station>/<listId>
LOCAL_LIST_LEASES = "local_list_leases"  # who is syncing a station's list now: <station>
LOCAL_LIST_MEMBERS = "local_list_members"  # the list a station holds: _id station, API only
CONTRACT_REQUESTS = "contract_requests"  # Get15118EVCertificate and its outcome, per message
CERTIFICATES = "certificates"  # signed or refused (workers), roots installed (API, _id command)
CERTIFICATE_RENEWALS = "certificate_renewals"  # attempts <cert>/<n> and <cert>/done, workers
INSTALLED_CERTIFICATES = "installed_certificates"  # GetInstalledCertificateIds answers, API only
CERTIFICATE_CHECKS = "certificate_checks"  # OCSP checks (Plug & Charge Authorize, M06), per message
CHARGING_LIMITS = "charging_limits"  # external limits: <station>/<evseId>/<chargingLimitSource>
EV_CHARGING_NEEDS = "ev_charging_needs"  # the last NotifyEVChargingNeeds: <station>/<evseId>
EV_CHARGING_SCHEDULES = "ev_charging_schedules"  # the last NotifyEVChargingSchedule, per EVSE
CHARGING_PROFILE_REPORTS = "charging_profile_reports"  # ReportChargingProfiles parts
SITES = "sites"  # grid connections shared by their stations, written only by the API
SITE_MEMBERS = "site_members"  # which site a station belongs to: _id station, at most one
SITE_LIMITS = "site_limits"  # a site's external limit (grid operator, EMS): API and sites queue
SITE_ALLOCATIONS = "site_allocations"  # what each site's transactions were sent: by its driver
CHARGING_PROFILES = "charging_profiles"  # the CSMS's view of what a station holds, API only
MONITORS = "monitors"  # the CSMS's view of a station's variable monitors: <station>/<id>, API only
MONITORING_SETTINGS = "monitoring_settings"  # last accepted base, level: <station>/<field>, API
MONITORING_REPORTS = "monitoring_reports"  # NotifyMonitoringReport parts, workers only
ALERTS = "alerts"  # raised and cleared by NotifyEvent, workers only
ALERT_ACKS = "alert_acks"  # an operator's acknowledgement: _id = the alert's, API only
DISPLAY_MESSAGES = "display_messages"  # the CSMS's view of a station's messages, API only
DISPLAY_MESSAGE_REPORTS = "display_message_reports"  # NotifyDisplayMessages parts, workers
TARIFFS = "tariffs"  # prices and text (block I), written only by the API
TARIFF_MEMBERS = "tariff_members"  # a station's own tariff: _id station, at most one; API only
STATION_MESSAGES = "station_messages"  # 2.1 messages kept as sent: <station>/<messageId>, workers
PERIODIC_STREAMS = "periodic_streams"  # 2.1 event streams a station opened: <station>/<id>, workers
PERIODIC_STREAM_DATA = "periodic_stream_data"  # NotifyPeriodicEventStream: <station>/<msgId>
COST_UPDATES = "cost_updates"  # CostUpdated sent: <station>/<txId>/<period>, sweep/<period>
OUTBOX = (
    "event_outbox"  # events the broker did not confirm at once, until one is (workers/outbox.py)
)

# --- What became of a site's limit sent to a transaction (workers/site_driver.py) --------
SITE_LIMIT_ACCEPTED = "Accepted"
SITE_LIMIT_REJECTED = "Rejected"
SITE_LIMIT_NOT_DELIVERED = "NotDelivered"  # offline, timeout, CALLERROR: the station may hold any
SITE_LIMIT_SENDING = "Sending"  # stored before sending: if still there, nobody knows the answer
SITE_LIMIT_REFUSED = (SITE_LIMIT_REJECTED, SITE_LIMIT_NOT_DELIVERED)  # counted at EVSE maximum

# --- Operator API roles, each allowed what the one before it is (README, Security) --------
ROLE_VIEWER = "viewer"  # read everything except secrets
ROLE_OPERATOR = "operator"  # also send commands, manage id tokens
ROLE_ADMIN = "admin"  # also stations, credentials, certificates, API keys, the audit log
ROLES = (ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN)

# --- BootNotification answers (B01-B03): what the boot policy may be and the boot gate reads
BOOT_ACCEPTED = "Accepted"
BOOT_PENDING = "Pending"
BOOT_REJECTED = "Rejected"
BOOT_STATUSES = (BOOT_ACCEPTED, BOOT_PENDING, BOOT_REJECTED)

# --- Kinds of fact in STATION_STATE (one document per station and kind) -----------
STATE_BOOT = "boot"  # the last BootNotification and its answer (firstAcceptedAt kept)
STATE_FIRMWARE_STATUS = "firmwareStatus"  # the last FirmwareStatusNotification
STATE_LOG_STATUS = "logStatus"  # the last LogStatusNotification
STATE_FIRMWARE_UPDATE = "firmwareUpdate"  # the last UpdateFirmware the station accepted
STATE_LOG_REQUEST = "logRequest"  # the last GetLog the station accepted
STATE_TRIGGERED_PREFIX = "triggered:"  # + requestedMessage: when TriggerMessage asked for it
STATE_DEFAULT_TARIFF = "defaultTariff"  # a 2.1 station's answer to the SetDefaultTariff sent
STATE_NETWORK_PROFILE_PREFIX = "networkProfile:"  # + configurationSlot: a SetNetworkProfile
# How a station's facts are assembled for readers: the prefixed kinds are gathered under these.
STATE_TRIGGERED = "triggered"
STATE_NETWORK_PROFILES = "networkProfiles"
