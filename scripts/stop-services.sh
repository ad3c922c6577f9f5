#!/usr/bin/env bash
# Stops the RabbitMQ, FerretDB and PostgreSQL that services.sh started.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${CSMS_STATE_DIR:-$ROOT/.local}"
if [ -f "$STATE/ferretdb.pid" ]; then kill "$(cat "$STATE/ferretdb.pid")" 2>/dev/null; rm -f "$STATE/ferretdb.pid"; fi
if [ -f "$STATE/postgres.datadir" ]; then
  data="$(cat "$STATE/postgres.datadir")"
  pg_ctl="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/pg_ctl"
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "'$pg_ctl' -D '$data' -m fast -w stop" >/dev/null 2>&1
  else
    "$pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1
  fi
  rm -f "$STATE/postgres.datadir"
fi
if ! getent hosts "$(hostname)" >/dev/null 2>&1; then export RABBITMQ_NODENAME=rabbit@localhost; fi
PATH="$PATH:/usr/sbin" rabbitmqctl -q stop 2>/dev/null || true
echo "services stopped"
