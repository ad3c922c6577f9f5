#!/usr/bin/env bash
# Stops the RabbitMQ and FerretDB that services.sh started.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${CSMS_STATE_DIR:-$ROOT/.local}"
if [ -f "$STATE/ferretdb.pid" ]; then kill "$(cat "$STATE/ferretdb.pid")" 2>/dev/null; rm -f "$STATE/ferretdb.pid"; fi
if ! getent hosts "$(hostname)" >/dev/null 2>&1; then export RABBITMQ_NODENAME=rabbit@localhost; fi
PATH="$PATH:/usr/sbin" rabbitmqctl -q stop 2>/dev/null || true
echo "services stopped"
