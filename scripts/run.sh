#!/usr/bin/env bash
# Starts one gateway, two workers and the API in the foreground; Ctrl-C stops them cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOG_FORMAT="${LOG_FORMAT:-text}"
export GATEWAY_LISTEN="${GATEWAY_LISTEN:-0.0.0.0:9000}" API_LISTEN="${API_LISTEN:-0.0.0.0:8080}"
pids=()
start() { # name module
  local name="$1"; shift
  .venv/bin/python -m "$@" 2>&1 | sed -u "s/^/$name | /" &
  pids+=($!)
}
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping gateway, workers and API"
  pkill -TERM -f "python -m (gateway|workers|api)$" -P $$ 2>/dev/null || true
  for pid in $(jobs -p); do pkill -TERM -P "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "==> stopped (RabbitMQ and FerretDB keep running; scripts/stop-services.sh stops them)"
}
trap stop INT TERM EXIT
start gateway  gateway
start worker-1 workers
start worker-2 workers
start api      api
sleep 2
port() { echo "${1##*:}"; }
cat <<MSG

  Stations connect to:  ws://127.0.0.1:$(port "$GATEWAY_LISTEN")/ocpp/{stationId}
  Operator API:         http://127.0.0.1:$(port "$API_LISTEN")/api/v1   (OpenAPI: /api/v1/openapi.json)
  Register a station:   curl -X PUT http://127.0.0.1:$(port "$API_LISTEN")/api/v1/stations/CS001 -d '{"password": "change-me-0123456789"}'
  Ctrl-C stops.

MSG
wait
