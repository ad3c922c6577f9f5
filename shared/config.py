"""Settings from environment variables, declared once.

The README's configuration table is printed by ``python -m shared.config`` from the same
declarations, so documentation and defaults cannot drift apart. Values are cast strictly:
a setting that does not parse stops the process at start-up with a message naming it.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from shared.names import BOOT_STATUSES, OCPP_VERSIONS


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def _int(value: str) -> int:
    return int(value)


def _float(value: str) -> float:
    return float(value)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _boot_status(value: str) -> str:
    if value not in BOOT_STATUSES:
        raise ValueError(f"expected one of {', '.join(BOOT_STATUSES)}")
    return value


def _choice(*options: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return value

    return parse


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("expected 0 or more")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0 or number == float("inf"):
        raise ValueError("expected a positive number")
    return number


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError("expected 0 or a positive number")
    return number


def _master_pass_group_id(value: str) -> str:
    # IdTokenType.idToken: at most 36 characters.
    if len(value) > 36 or value != value.strip():
        raise ValueError("expected at most 36 characters, no surrounding spaces")
    return value


def _url(value: str) -> str:
    if value and not re.match(r"^https?://[^/\s]+", value):
        raise ValueError("expected an http:// or https:// URL")
    return value


# Get15118EVCertificateResponse.exiResponse: base64, at most 7500 characters.
EXI_RESPONSE_MAX_CHARS = 7500


def _exi(value: str) -> str:
    if len(value) > EXI_RESPONSE_MAX_CHARS:
        raise ValueError(f"expected at most {EXI_RESPONSE_MAX_CHARS} characters")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("expected base64") from None
    return value


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _ocpp_versions(value: str) -> tuple[str, ...]:
    """OCPP subprotocol names, comma-separated, most preferred first: at least one, each
    known, none twice."""
    versions = _list(value)
    if not versions:
        raise ValueError(f"expected at least one of {', '.join(OCPP_VERSIONS)}")
    unknown = [v for v in versions if v not in OCPP_VERSIONS]
    if unknown:
        raise ValueError(
            f"unknown {', '.join(unknown)}; expected some of {', '.join(OCPP_VERSIONS)}"
        )
    if len(set(versions)) != len(versions):
        raise ValueError("a version is listed twice")
    return versions


# Test only (workers/faults.py): action -> how many words follow it.
TEST_FAULT_ACTIONS = {"kill": 2, "wait": 3, "fail": 2}


def _test_fault(value: str) -> tuple[str, ...]:
    words = tuple(value.split())
    if words and (
        words[0] not in TEST_FAULT_ACTIONS or len(words) != 1 + TEST_FAULT_ACTIONS[words[0]]
    ):
        raise ValueError("expected 'kill|fail EVENT STATION' or 'wait EVENT STATION PATH'")
    return words


def _hostport(value: str) -> str:
    _host, sep, port = value.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()):
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return value


MIN_KEY_BYTES = 32
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+\Z")


def _key(value: str) -> bytes:
    """A secret key as hex or base64 (standard or URL-safe, padded), at least 32 bytes;
    empty: none. Hex is tried first: a string of hex digits is read as hex."""
    text = value.strip()
    if not text:
        return b""
    if _HEX.fullmatch(text):
        key = bytes.fromhex(text)
    else:
        try:
            key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("expected hex or base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"expected at least {MIN_KEY_BYTES} bytes, got {len(key)}")
    return key


MIN_API_KEY_CHARS = 24


def _api_key(value: str) -> str:
    """An operator API key chosen by the deployment: long enough that guessing is hopeless
    (24 URL-safe characters are 144 bits); empty: none."""
    text = value.strip()
    if text and len(text) < MIN_API_KEY_CHARS:
        raise ValueError(f"expected at least {MIN_API_KEY_CHARS} characters, got {len(text)}")
    if any(c.isspace() for c in text):
        raise ValueError("must not contain spaces")
    return text


@dataclass(frozen=True)
class Settings:
    """Every knob of every process; each process reads the ones it needs."""

    amqp_url: str
    mongo_url: str
    mongo_db: str
    mongo_pool_size: int
    gateway_listen: str
    gateway_id: str
    ocpp_versions: tuple[str, ...]
    gateway_max_frame_bytes: int
    gateway_reply_timeout: float
    gateway_auth_cache_seconds: float
    gateway_auth_timeout: float
    gateway_max_pending_auth: int
    gateway_max_queued_calls: int
    gateway_max_queued_commands: int
    gateway_frame_rate: float
    gateway_frame_burst: int
    gateway_frame_close_after: int
    gateway_login_failures_per_station: int
    gateway_login_failures_per_address: int
    gateway_login_window: float
    gateway_ping_interval: float
    gateway_compression: bool
    gateway_tls_listen: str
    gateway_tls_cert: str
    gateway_tls_key: str
    gateway_tls_ec_cert: str
    gateway_tls_ec_key: str
    gateway_tls_client_ca: str
    gateway_trusted_proxies: tuple[str, ...]
    gateway_client_cert_header: str
    ca_cert_file: str
    ca_key_file: str
    dev_pki_dir: str
    cert_validity_days: int
    v2g_ca_cert_file: str
    v2g_ca_key_file: str
    v2g_cert_validity_days: int
    cert_renewal_days: int
    cert_renewal_sweep_seconds: float
    cert_renewal_retry_seconds: float
    cert_renewal_retry_max_seconds: float
    cert_renewal_alert_attempts: int
    cert_renewal_alert_days: int
    api_listen: str
    health_listen: str
    gateway_drain_seconds: float
    command_timeout: float
    station_password_key: bytes = field(repr=False)
    station_password_key_previous: bytes = field(repr=False)
    api_admin_key: str = field(repr=False)
    boot_request_full_inventory: bool
    worker_prefetch: int
    event_loop: str
    worker_last_seen_seconds: float
    event_publish_timeout: float
    outbox_interval_seconds: float
    outbox_sweep_after_seconds: float
    heartbeat_interval: int
    boot_policy: str
    boot_retry_interval: int
    ocpp16_id_tag_type: str
    auth_cache_seconds: int
    master_pass_group_id: str
    site_evse_max_current: float
    site_profile_stack_level: int
    site_retry_seconds: float
    site_sweep_seconds: float
    cost_update_interval: int
    tariff_cache_seconds: float
    contract_provider: str
    contract_provider_url: str
    contract_provider_client_cert: str
    contract_provider_client_key: str
    contract_provider_ca_file: str
    contract_provider_timeout: float
    contract_provider_dev_status: str
    contract_provider_dev_exi_response: str
    contract_roots_file: str
    ocsp_timeout: float
    ocsp_cache_max: int
    log_level: str
    log_format: str
    log_limit_lines: int
    log_limit_window: float
    test_fault: tuple[str, ...]


# name, default, parser, description. Order is the README's order.
SETTINGS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/", str, "RabbitMQ connection URL."),
    ("MONGO_URL", "mongodb://127.0.0.1:27017/", str, "MongoDB (or FerretDB) connection URL."),
    ("MONGO_DB", "csms", str, "Database name."),
    (
        "MONGO_POOL_SIZE",
        "10",
        _int,
        "Store connections per process (each worker and the API). Kept small for the local "
        "FerretDB v1, whose own pool of PostgreSQL connections (250, set by "
        "scripts/services.sh) all processes share; raise it on MongoDB.",
    ),
    ("GATEWAY_LISTEN", "0.0.0.0:9000", _hostport, "Where the gateway accepts ws:// stations."),
    ("GATEWAY_ID", "", str, "Name of this gateway's reply queue; default: host name + pid."),
    (
        "OCPP_VERSIONS",
        "ocpp2.1,ocpp2.0.1,ocpp1.6",
        _ocpp_versions,
        "OCPP versions (websocket subprotocols) the gateways accept, comma-separated, the "
        "preferred first: of those a station offers and is allowed (its `ocppVersions`), the "
        "first listed is chosen. Known: ocpp2.1, ocpp2.0.1, ocpp1.6.",
    ),
    (
        "GATEWAY_MAX_FRAME_BYTES",
        "262144",
        _int,
        "Largest frame a station may send; a larger one closes that connection (1009).",
    ),
    (
        "GATEWAY_REPLY_TIMEOUT",
        "20",
        _float,
        "Seconds the gateway waits for a worker's answer before sending InternalError.",
    ),
    (
        "GATEWAY_AUTH_CACHE_SECONDS",
        "60",
        _float,
        "Seconds a successful handshake check is cached per station and password; a change "
        "of the station's credentials or profile drops it on every gateway at once "
        "(README, Security).",
    ),
    (
        "GATEWAY_AUTH_TIMEOUT",
        "5",
        _float,
        "Seconds the handshake waits for the workers' auth answer (then HTTP 503).",
    ),
    (
        "GATEWAY_MAX_PENDING_AUTH",
        "200",
        _int,
        "Handshake checks one gateway waits on at once; beyond, HTTP 503 with Retry-After "
        "at once (a reconnect storm is admitted in waves instead of timing out).",
    ),
    (
        "GATEWAY_MAX_QUEUED_CALLS",
        "8",
        _int,
        "CALLs a station may queue behind the one in flight before getting RpcFrameworkError.",
    ),
    (
        "GATEWAY_MAX_QUEUED_COMMANDS",
        "100",
        _int,
        "CSMS commands queued per station behind the outstanding one before `busy` results.",
    ),
    (
        "GATEWAY_FRAME_RATE",
        "100",
        _float,
        "Frames per second a station may send, sustained (CALLs, answers and invalid frames "
        "alike; waiting for each answer over a round trip of 10 ms or more stays below it). "
        "Over it a CALL gets RpcFrameworkError and an answer is dropped, neither forwarded "
        "(README, Security).",
    ),
    (
        "GATEWAY_FRAME_BURST",
        "500",
        _int,
        "Frames a station may send at once before GATEWAY_FRAME_RATE applies.",
    ),
    (
        "GATEWAY_FRAME_CLOSE_AFTER",
        "500",
        _int,
        "Frames over the rate (refused ones count, repaid at GATEWAY_FRAME_RATE) after which "
        "the connection is closed with 1008 and a reason.",
    ),
    (
        "GATEWAY_LOGIN_FAILURES_PER_STATION",
        "10",
        _int,
        "Failed logins (401) per station id in GATEWAY_LOGIN_WINDOW after which that id gets "
        "HTTP 429 with Retry-After, without a password check, until the window ends.",
    ),
    (
        "GATEWAY_LOGIN_FAILURES_PER_ADDRESS",
        "100",
        _int,
        "The same per remote address (401 and unknown station ids); not applied to "
        "GATEWAY_TRUSTED_PROXIES. Higher than per station: stations share addresses behind NAT.",
    ),
    (
        "GATEWAY_LOGIN_WINDOW",
        "60",
        _float,
        "Seconds, from the first failure, over which failed logins are counted.",
    ),
    ("GATEWAY_PING_INTERVAL", "60", _float, "Websocket ping interval in seconds (0 disables)."),
    (
        "GATEWAY_COMPRESSION",
        "true",
        _bool,
        "Offer permessage-deflate (RFC 7692, required by OCPP-J) with small windows.",
    ),
    (
        "GATEWAY_TLS_LISTEN",
        "0.0.0.0:9443",
        _hostport,
        "Where the gateway accepts wss:// stations (profiles 2 and 3), when a certificate is set.",
    ),
    ("GATEWAY_TLS_CERT", "", str, "PEM server certificate chain (RSA) for wss://."),
    ("GATEWAY_TLS_KEY", "", str, "Its private key."),
    (
        "GATEWAY_TLS_EC_CERT",
        "",
        str,
        "PEM server certificate chain (ECDSA), served beside the RSA one for the ECDSA suites.",
    ),
    ("GATEWAY_TLS_EC_KEY", "", str, "Its private key."),
    (
        "GATEWAY_TLS_CLIENT_CA",
        "",
        str,
        "PEM CA bundle that station client certificates (profile 3) must chain to; "
        "default CA_CERT_FILE.",
    ),
    (
        "GATEWAY_TRUSTED_PROXIES",
        "",
        _list,
        "Comma-separated addresses of TLS-terminating proxies whose client-certificate header and "
        "X-Forwarded-Proto are trusted; empty: none.",
    ),
    (
        "GATEWAY_CLIENT_CERT_HEADER",
        "X-Client-Cert",
        str,
        "Header carrying the URL-encoded PEM client certificate from a trusted proxy.",
    ),
    (
        "CA_CERT_FILE",
        "",
        str,
        "CA certificate the CSMS signs station certificates with; empty: a development CA.",
    ),
    ("CA_KEY_FILE", "", str, "Its private key."),
    (
        "DEV_PKI_DIR",
        ".local/pki",
        str,
        "Where development CA and server certificates are generated when none are configured.",
    ),
    ("CERT_VALIDITY_DAYS", "365", _int, "Validity of station certificates the CSMS signs."),
    (
        "V2G_CA_CERT_FILE",
        "",
        str,
        "The V2G (ISO 15118) CA the CSMS signs stations' V2GCertificate CSRs with: its "
        "certificate, then the sub-CAs above it up to (not including) the V2G root; never "
        "the station CA. Empty: a development V2G CA in DEV_PKI_DIR/v2g.",
    ),
    ("V2G_CA_KEY_FILE", "", str, "Its private key."),
    (
        "V2G_CERT_VALIDITY_DAYS",
        "60",
        _int,
        "Validity of the V2G (SECC) certificates the CSMS signs.",
    ),
    (
        "CERT_RENEWAL_DAYS",
        "30",
        _non_negative_int,
        "Days before a certificate the CSMS signed expires that workers ask its station to "
        "renew it (TriggerMessage SignChargingStationCertificate or SignV2GCertificate; "
        "README, Plug & Charge). 0: never.",
    ),
    (
        "CERT_RENEWAL_SWEEP_SECONDS",
        "300",
        _positive_float,
        "How often each worker looks for certificates due a renewal or a retry.",
    ),
    (
        "CERT_RENEWAL_RETRY_SECONDS",
        "900",
        _positive_float,
        "Seconds after a renewal attempt that brought no new certificate before the next; "
        "doubled after each attempt, up to CERT_RENEWAL_RETRY_MAX_SECONDS.",
    ),
    (
        "CERT_RENEWAL_RETRY_MAX_SECONDS",
        "86400",
        _positive_float,
        "The longest wait between two renewal attempts.",
    ),
    (
        "CERT_RENEWAL_ALERT_ATTEMPTS",
        "3",
        _non_negative_int,
        "Renewal attempts without a new certificate after which a `CertificateRenewalFailed` "
        "security event is recorded (once per certificate). 0: only by CERT_RENEWAL_ALERT_DAYS.",
    ),
    (
        "CERT_RENEWAL_ALERT_DAYS",
        "7",
        _non_negative_int,
        "Days before expiry from which a certificate still not renewed after an attempt gets "
        "that security event whatever the number of attempts.",
    ),
    ("API_LISTEN", "0.0.0.0:8080", _hostport, "Where the operator HTTP API listens."),
    (
        "HEALTH_LISTEN",
        "",
        str,
        "Where a gateway or worker serves /healthz, /readyz and /metrics (HOST:PORT); empty: off. "
        "The API serves them on API_LISTEN.",
    ),
    (
        "GATEWAY_DRAIN_SECONDS",
        "10",
        _float,
        "On SIGTERM, stations are asked to leave (1001) spread over this many seconds.",
    ),
    (
        "COMMAND_TIMEOUT",
        "30",
        _float,
        "Default seconds a CSMS-initiated command may take, queueing included (504 after).",
    ),
    (
        "STATION_PASSWORD_KEY",
        "",
        _key,
        "Secret key (hex or base64, 32+ bytes) for the verifiers of station passwords the CSMS "
        "generates, checked in microseconds instead of scrypt's ~40 ms; the same in workers "
        "and API. Empty: generated passwords are stored as scrypt too, and a cold reconnect "
        "storm is bound by scrypt. `make run` creates one in `.local/station-password.key`.",
    ),
    (
        "STATION_PASSWORD_KEY_PREVIOUS",
        "",
        _key,
        "The key before the last change: verifiers made with it keep working until those "
        "stations' passwords are rotated (README, Security). Empty: none.",
    ),
    (
        "API_ADMIN_KEY",
        "",
        _api_key,
        "An operator API key with the admin role, accepted besides the keys in the store, so "
        "a deployment or script can start without a manual step (24+ characters; generate "
        "one with `openssl rand -base64 32`). Empty: on its first start the API creates an "
        "admin key and prints it once. `make run` keeps one in `.local/api-admin.key`.",
    ),
    (
        "BOOT_REQUEST_FULL_INVENTORY",
        "false",
        _bool,
        "Send GetBaseReport(FullInventory) after a station's first accepted boot.",
    ),
    ("WORKER_PREFETCH", "64", _int, "Inbound messages one worker handles concurrently."),
    (
        "EVENT_LOOP",
        "uvloop",
        _choice("uvloop", "asyncio"),
        "Event loop of gateways and workers: `uvloop` (faster socket I/O) or `asyncio`.",
    ),
    (
        "WORKER_LAST_SEEN_SECONDS",
        "60",
        _float,
        "A station's `lastSeen` is written at most this often per worker, batched off the "
        "reply path (first sighting within a second).",
    ),
    (
        "EVENT_PUBLISH_TIMEOUT",
        "5",
        _float,
        "Seconds a worker waits for the broker to confirm a domain event before parking it "
        "in the outbox (`event_outbox`) and answering the station.",
    ),
    (
        "OUTBOX_INTERVAL_SECONDS",
        "2",
        _float,
        "How often each worker publishes the events waiting in the outbox: those it parked, "
        "and any older than OUTBOX_SWEEP_AFTER_SECONDS.",
    ),
    (
        "OUTBOX_SWEEP_AFTER_SECONDS",
        "10",
        _float,
        "Age after which a parked event is published by whichever worker finds it (its own "
        "worker may have died).",
    ),
    ("HEARTBEAT_INTERVAL", "300", _int, "`interval` in an Accepted BootNotification response."),
    (
        "BOOT_POLICY",
        "Accepted",
        _boot_status,
        "Default BootNotification answer: Accepted, Pending or Rejected (per station overridable).",
    ),
    ("BOOT_RETRY_INTERVAL", "60", _int, "`interval` sent with Pending or Rejected."),
    (
        "OCPP16_ID_TAG_TYPE",
        "ISO14443",
        _choice("ISO14443", "ISO15693", "Central", "eMAID", "KeyCode", "Local", "MacAddress"),
        "The id token type a 1.6 idTag the CSMS holds no token for stands for (1.6 has no "
        "types; one the CSMS holds is that token, whatever its type): ISO14443 for RFID "
        "fleets, Central for ids the CSMS hands out (remote starts, apps).",
    ),
    (
        "AUTH_CACHE_SECONDS",
        "86400",
        _non_negative_int,
        "Longest a station may keep an Authorize or TransactionEvent verdict in its "
        "authorization cache: `idTokenInfo.cacheExpiryDateTime` is the earlier of the "
        "token's `expiresAt` and now plus this. 0: no limit from the CSMS (the token's "
        "`expiresAt` still applies; else the station's AuthCacheLifeTime).",
    ),
    (
        "MASTER_PASS_GROUP_ID",
        "",
        _master_pass_group_id,
        "Group id of the Master Pass (C16), as set in the stations' "
        "`AuthCtrlr.MasterPassGroupId`: tokens whose `groupIdToken.idToken` equals it may "
        "stop any transaction (README, Authorization). Empty: none.",
    ),
    (
        "SITE_EVSE_MAX_CURRENT",
        "32",
        _positive_float,
        "An EVSE's maximum current (A per phase) for site load management when the site "
        "does not give one (`evseMaxCurrent`): the most a transaction is given, and what a "
        "station that rejects a profile is counted at.",
    ),
    (
        "SITE_PROFILE_STACK_LEVEL",
        "1",
        _non_negative_int,
        "`stackLevel` of the TxProfiles the site load management sends (README, Smart "
        "charging): an operator's own TxProfile for the same transaction needs another.",
    ),
    (
        "SITE_RETRY_SECONDS",
        "60",
        _positive_float,
        "How often a site's limit is sent again to a station that rejected it or did not "
        "answer (counted at its EVSE maximum meanwhile).",
    ),
    (
        "SITE_SWEEP_SECONDS",
        "10",
        _positive_float,
        "How often each worker looks for sites due a recomputation (an external limit's "
        "`until` passed, a retry due, a change whose event was lost).",
    ),
    (
        "COST_UPDATE_INTERVAL",
        "60",
        _non_negative_int,
        "Seconds between two CostUpdated sent for one running transaction under a tariff "
        "(I02), at most one per period of this length: after a TransactionEvent Updated "
        "once this much passed since the last, and by the workers' sweep, which runs this "
        "often, to those without one for as long (the first an interval after the start). "
        "0: none sent (the total cost still comes with Ended).",
    ),
    (
        "TARIFF_CACHE_SECONDS",
        "30",
        _non_negative_float,
        "How long a worker keeps the tariffs it read (Authorize and TransactionEvent are the "
        "hottest messages): a tariff changed through the API applies within this. 0: read "
        "them for every message.",
    ),
    (
        "CONTRACT_PROVIDER",
        "none",
        _choice("none", "http", "dev"),
        "Who answers Get15118EVCertificate (M01/M02, README, Plug & Charge: contract "
        "certificates): `http`, the operator's adapter at CONTRACT_PROVIDER_URL; `dev`, "
        "a fixed answer for tests and demos (CONTRACT_PROVIDER_DEV_*); `none`, every "
        "request answered Failed (`NoProviderConfigured`).",
    ),
    (
        "CONTRACT_PROVIDER_URL",
        "",
        _url,
        "The adapter's endpoint (http:// or https://) a worker POSTs each request to.",
    ),
    (
        "CONTRACT_PROVIDER_CLIENT_CERT",
        "",
        str,
        "PEM client certificate (chain) the worker presents to an https:// adapter; empty: none.",
    ),
    ("CONTRACT_PROVIDER_CLIENT_KEY", "", str, "Its private key; empty: in the certificate file."),
    (
        "CONTRACT_PROVIDER_CA_FILE",
        "",
        str,
        "PEM CA bundle the adapter's server certificate must chain to; empty: the system's.",
    ),
    (
        "CONTRACT_PROVIDER_TIMEOUT",
        "5",
        _positive_float,
        "Seconds a worker waits for the adapter (connecting included) before answering "
        "Failed (`Timeout`); must be below GATEWAY_REPLY_TIMEOUT.",
    ),
    (
        "CONTRACT_PROVIDER_DEV_STATUS",
        "Accepted",
        _choice("Accepted", "Failed"),
        "What the `dev` provider answers.",
    ),
    (
        "CONTRACT_PROVIDER_DEV_EXI_RESPONSE",
        "",
        _exi,
        "The `exiResponse` (base64) the `dev` provider answers Accepted with; required "
        "then (empty: the worker refuses to start).",
    ),
    (
        "CONTRACT_ROOTS_FILE",
        "",
        str,
        "PEM file of the roots (MO and V2G roots) a contract certificate chain sent in an "
        "Authorize `certificate` must lead to (README, Plug & Charge: certificate status); "
        "read by workers at start. Empty: none trusted, every such Authorize answered "
        "`CertChainError` (hash data the station verified is still checked over OCSP).",
    ),
    (
        "OCSP_TIMEOUT",
        "5",
        _positive_float,
        "Seconds a worker waits for an OCSP responder (GetCertificateStatus, Plug & Charge "
        "Authorize) before answering Failed or refusing the certificate; must be below "
        "GATEWAY_REPLY_TIMEOUT, or the worker refuses to start.",
    ),
    (
        "OCSP_CACHE_MAX",
        "10000",
        _non_negative_int,
        "Good OCSP answers each worker keeps in memory until their `nextUpdate` (README, "
        "Plug & Charge); the least recently used go first. 0: none kept.",
    ),
    ("LOG_LEVEL", "INFO", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "Log level."),
    (
        "LOG_FORMAT",
        "json",
        _choice("json", "text"),
        "`json`: one JSON object a line; `text`: the same fields, easier to read.",
    ),
    (
        "LOG_LIMIT_LINES",
        "10",
        _int,
        "Lines of one kind a station can trigger (invalid frame, unknown action, schema "
        "violation...) logged per station per LOG_LIMIT_WINDOW; the next line out says how "
        "many were suppressed (`suppressedBefore`).",
    ),
    ("LOG_LIMIT_WINDOW", "60", _float, "Seconds of the LOG_LIMIT_LINES window."),
    (
        "TEST_FAULT",
        "",
        _test_fault,
        "Test only, never set in production: a worker fault at one moment, e.g. "
        "`kill transaction.started CS001` (workers/faults.py). Empty: none.",
    ),
)


# Never echoed, not even in the message about a bad value.
SECRET_SETTINGS = frozenset(
    {"STATION_PASSWORD_KEY", "STATION_PASSWORD_KEY_PREVIOUS", "API_ADMIN_KEY"}
)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting; raise ConfigError naming the first bad one."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, default, parse, _doc in SETTINGS:
        raw = env.get(name, default)
        try:
            values[name.lower()] = parse(raw)
        except ValueError as exc:
            shown = "<secret>" if name in SECRET_SETTINGS else repr(raw)
            raise ConfigError(f"{name}={shown}: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    assert known == set(values), "SETTINGS and Settings disagree"
    return Settings(**values)


def split_hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def markdown_table() -> str:
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, default, _parse, doc in SETTINGS:
        rows.append(f"| `{name}` | `{default}` | {doc} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
