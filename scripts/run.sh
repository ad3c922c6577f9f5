#!/usr/bin/env bash
# Starts one gateway, two workers and the API in the foreground; Ctrl-C stops them cleanly.
# RabbitMQ and FerretDB were started by services.sh and keep running (stop-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export LOG_FORMAT="${LOG_FORMAT:-text}"
export GATEWAY_LISTEN="${GATEWAY_LISTEN:-0.0.0.0:9000}" API_LISTEN="${API_LISTEN:-0.0.0.0:8080}"
pids=()
start() { # label module
  .venv/bin/python -m "$2" > >(sed -u "s/^/$1 | /") 2>&1 &
  pids+=($!)
}
stop() {
  trap - INT TERM
  echo; echo "==> stopping gateway, workers and API"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  echo "==> stopped. RabbitMQ and FerretDB keep running: scripts/stop-services.sh stops them."
  exit 0
}
trap stop INT TERM
start gateway gateway
start worker1 workers
start worker2 workers
start api     api
sleep 2
port() { echo "${1##*:}"; }
cat <<MSG

  Stations connect to:  ws://127.0.0.1:$(port "$GATEWAY_LISTEN")/ocpp/{stationId}
  Operator API:         http://127.0.0.1:$(port "$API_LISTEN")/api/v1   (OpenAPI: /api/v1/openapi.json)
  Register a station:   curl -X PUT http://127.0.0.1:$(port "$API_LISTEN")/api/v1/stations/CS001 \\
                          -d '{"password": "change-me-0123456789"}'
  Ctrl-C stops.

MSG
# Any process dying takes the others down, so a broken start is not silently half-running.
wait -n "${pids[@]}" || true
echo "==> a process exited; stopping the rest" >&2
stop
