"""Who may do what on the bus: the RabbitMQ permissions of deploy/k8s, and what they must allow.

The manifests hold the regexes (rabbitmq.com/v1beta1 ``Permission``); ``EXPECTED`` below holds,
for every identity, the exact set of bus resources each of configure, write and read must
match, written from the code (deploy/README.md, "Who may publish where", explains each). The
offline test compares the two; the broker test applies the regexes to a real RabbitMQ.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from shared import names

ROOT = Path(__file__).resolve().parents[2]
USERS_FILE = ROOT / "deploy" / "k8s" / "overlays" / "production" / "rabbitmq-users.yaml"
INTEGRATIONS = ROOT / "deploy" / "k8s" / "integrations"
INTEGRATION_FILES = (
    INTEGRATIONS / "events-reader.yaml",
    INTEGRATIONS / "command-sender.yaml",
    INTEGRATIONS / "energy-manager.yaml",
)

KINDS = ("configure", "write", "read")

# Identities (the User's metadata.name) and the Secret each imports its credentials from.
GATEWAY, WORKERS, API, KEDA = "csms-gateway", "csms-workers", "csms-api", "csms-keda"
EVENTS_READER, COMMAND_SENDER, ENERGY_MANAGER = "billing", "dispatch", "ems"
COMPONENT_USERS = {"gateway": GATEWAY, "workers": WORKERS, "api": API}

# Sample names of the per-process resources (the prefixes come from shared.names).
GATEWAY_QUEUE = names.gateway_queue("gateway-7d9f-1")
COMMAND_QUEUE = f"{names.COMMAND_QUEUE_PREFIX}0123456789ab"
CONSOLE_QUEUE = f"{names.CONSOLE_QUEUE_PREFIX}0123456789ab"  # the API's live feed
READER_QUEUE = f"{EVENTS_READER}.transactions"

TOPOLOGY = {
    names.STATION_EXCHANGE,
    names.EVENTS_EXCHANGE,
    names.INBOUND_QUEUE,
    names.RPC_QUEUE,
    names.PRESENCE_QUEUE,
    names.SITES_QUEUE,
    names.GATEWAYS_EXCHANGE,
    names.TAKEOVER_EXCHANGE,
}
# declare_topology binds ocpp.presence and ocpp.sites to ocpp.events: write on the queues,
# read on the exchange.
TOPOLOGY_WRITE = {names.PRESENCE_QUEUE, names.SITES_QUEUE}
TOPOLOGY_READ = {names.EVENTS_EXCHANGE}
# Declared and bound into ocpp.sites by workers only (bus.route_site_limits): configure and
# read on the exchange; write on ocpp.sites they have from the topology.
WORKERS_ONLY = {names.SITE_LIMITS_EXCHANGE}

# Workers and the API both answer or command through the default exchange and ocpp.station,
# publish events, and tell gateways of credential changes (ocpp.gateways).
SENDER_WRITE = TOPOLOGY_WRITE | {
    names.DEFAULT_EXCHANGE,
    names.EVENTS_EXCHANGE,
    names.STATION_EXCHANGE,
    names.GATEWAYS_EXCHANGE,
}

EXPECTED: dict[str, dict[str, set[str]]] = {
    GATEWAY: {
        "configure": TOPOLOGY | {GATEWAY_QUEUE},
        # frames, auth checks, command results (default exchange); events; takeover notices
        # (ocpp.takeover, never ocpp.station: a gateway cannot send a command); binding its
        # queue to ocpp.station (write on the queue).
        "write": TOPOLOGY_WRITE
        | {names.DEFAULT_EXCHANGE, names.EVENTS_EXCHANGE, names.TAKEOVER_EXCHANGE, GATEWAY_QUEUE},
        # ... and to ocpp.gateways, for the credentials.changed notices.
        "read": TOPOLOGY_READ | {names.STATION_EXCHANGE, names.GATEWAYS_EXCHANGE, GATEWAY_QUEUE},
    },
    WORKERS: {
        "configure": TOPOLOGY | WORKERS_ONLY | {COMMAND_QUEUE},
        "write": SENDER_WRITE,
        # route_takeovers binds ocpp.takeover into ocpp.station, route_site_limits
        # ocpp.site-limits into ocpp.sites: read on the source.
        "read": TOPOLOGY_READ
        | WORKERS_ONLY
        | {
            names.INBOUND_QUEUE,
            names.RPC_QUEUE,
            names.PRESENCE_QUEUE,
            names.SITES_QUEUE,
            names.TAKEOVER_EXCHANGE,
            COMMAND_QUEUE,
        },
    },
    API: {
        "configure": TOPOLOGY | {COMMAND_QUEUE, CONSOLE_QUEUE},
        # ... and binding its console queue to ocpp.events (write on the queue).
        "write": SENDER_WRITE | {CONSOLE_QUEUE},
        "read": TOPOLOGY_READ | {names.TAKEOVER_EXCHANGE, COMMAND_QUEUE, CONSOLE_QUEUE},
    },
    # A passive queue.declare (the queue's length) needs no permission.
    KEDA: {"configure": set(), "write": set(), "read": set()},
    EVENTS_READER: {
        "configure": {READER_QUEUE},
        "write": {READER_QUEUE},
        "read": {names.EVENTS_EXCHANGE, READER_QUEUE},
    },
    COMMAND_SENDER: {
        "configure": {COMMAND_QUEUE},
        "write": {names.STATION_EXCHANGE},
        "read": {COMMAND_QUEUE},
    },
    # Publishes site limits, nothing else; learns they were taken from site.changed events.
    ENERGY_MANAGER: {"configure": set(), "write": {names.SITE_LIMITS_EXCHANGE}, "read": set()},
}

# Every name the regexes are tried on: the real ones, and near misses that a missing anchor,
# an unescaped dot or a too wide pattern would let through.
PROBES = sorted(
    TOPOLOGY
    | WORKERS_ONLY
    | {names.DEFAULT_EXCHANGE, GATEWAY_QUEUE, COMMAND_QUEUE, CONSOLE_QUEUE, READER_QUEUE}
    | {
        "ocpp-station",
        "ocpp.stations",
        "x.ocpp.events",
        "ocpp.inbound.copy",
        "amq.default2",
        "amq.topic",
        "gateway",
        "commands",
        "console",
        "x.console.1",
        f"{EVENTS_READER}",
        "other.queue",
        "not-billing.x",
        "ocpp.site-limits2",
        "ocpp-site-limits",
        "ocpp.site-limits.x",
        "ocpp.sitexlimits",
    }
)


def allows(pattern: str, name: str) -> bool:
    """RabbitMQ's test: "" matches nothing, anything else is searched for (unanchored)."""
    return pattern != "" and re.search(pattern, name) is not None


def permissions(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The regexes of every Permission, by the user it names."""
    found: dict[str, dict[str, str]] = {}
    for obj in objects:
        if obj.get("kind") != "Permission":
            continue
        spec = obj["spec"]
        user = spec.get("user") or spec["userReference"]["name"]
        assert user not in found, f"two Permissions for {user}"
        found[user] = {kind: str(spec["permissions"].get(kind, "")) for kind in KINDS}
    return found


def load(*paths: Path) -> list[dict[str, Any]]:
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text()) if doc]


def policy_problems(granted: dict[str, dict[str, str]]) -> list[str]:
    """What the regexes allow beyond, or short of, EXPECTED, for the identities present."""
    problems: list[str] = []
    for user, regexes in sorted(granted.items()):
        if user not in EXPECTED:
            problems.append(f"{user}: no expected permissions in tests/deploy/bus_policy.py")
            continue
        for kind in KINDS:
            allowed = {name for name in PROBES if allows(regexes[kind], name)}
            expected = EXPECTED[user][kind]
            if allowed - expected:
                problems.append(f"{user} may {kind} {sorted(allowed - expected)}")
            if expected - allowed:
                problems.append(f"{user} may not {kind} {sorted(expected - allowed)}")
    return problems
