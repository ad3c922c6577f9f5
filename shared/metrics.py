"""Prometheus metrics, defined once so gateway and workers agree on names and labels."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

CONNECTED_STATIONS = Gauge("csms_connected_stations", "Stations connected to this gateway")
FRAMES_IN = Counter("csms_frames_in_total", "Frames received from stations", ["action"])
FRAMES_OUT = Counter("csms_frames_out_total", "Frames sent to stations", ["kind"])
CALL_ERRORS = Counter("csms_callerrors_total", "CALLERRORs sent to stations", ["code"])
ROUND_TRIP = Histogram(
    "csms_station_call_seconds",
    "Station CALL to answer, measured at the gateway",
    ["action"],
    buckets=LATENCY_BUCKETS,
)
PUBLISH = Histogram(
    "csms_bus_publish_seconds", "Confirmed publish of a frame to the bus", buckets=LATENCY_BUCKETS
)
HANDLER = Histogram(
    "csms_handler_seconds", "Worker handling of one CALL", ["action"], buckets=LATENCY_BUCKETS
)
COMMANDS = Counter(
    "csms_commands_total", "CSMS-initiated commands by outcome", ["action", "status"]
)
HOPS = Histogram(
    "csms_hop_seconds",
    "Where a station CALL's round trip goes: gateway_queue, publish_confirm, "
    "broker_to_worker, worker (store + reply build), reply_to_gateway",
    ["hop"],
    buckets=LATENCY_BUCKETS,
)
FRAMES_LIMITED = Counter(
    "csms_frames_limited_total",
    "Station frames over GATEWAY_FRAME_RATE: refused (not forwarded) or closing the connection",
    ["verdict"],
)
LOGINS_THROTTLED = Counter(
    "csms_logins_throttled_total",
    "Handshakes answered 429 after too many failed logins, without a password check",
    ["by"],
)
REFUSED = Counter("csms_handshakes_refused_total", "Refused websocket handshakes", ["status"])
AUTH_CHECKS_EXPIRED = Counter(
    "csms_auth_checks_expired_total",
    "Handshake checks a worker dropped because the gateway had stopped waiting",
)
