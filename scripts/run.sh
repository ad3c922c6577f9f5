#!/usr/bin/env bash
# Starts one gateway, two workers and the API in the foreground; Ctrl-C stops them cleanly.
# RabbitMQ and FerretDB were started by services.sh and keep running (stop-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export LOG_FORMAT="${LOG_FORMAT:-text}"
export GATEWAY_LISTEN="${GATEWAY_LISTEN:-0.0.0.0:9000}" API_LISTEN="${API_LISTEN:-0.0.0.0:8080}"
# wss:// with development certificates unless real ones are configured (README, Security).
if [ -z "${GATEWAY_TLS_CERT:-}" ] && [ -z "${GATEWAY_TLS_EC_CERT:-}" ]; then
  pki="${DEV_PKI_DIR:-.local/pki}"
  .venv/bin/python -m shared.pki "$pki" >/dev/null
  export GATEWAY_TLS_CERT="$pki/server-rsa.pem" GATEWAY_TLS_KEY="$pki/server-rsa-key.pem"
  export GATEWAY_TLS_EC_CERT="$pki/server-ec.pem" GATEWAY_TLS_EC_KEY="$pki/server-ec-key.pem"
  export CA_CERT_FILE="${CA_CERT_FILE:-$pki/ca.pem}" CA_KEY_FILE="${CA_KEY_FILE:-$pki/ca-key.pem}"
  echo "==> development TLS certificates in $pki (CA: $pki/ca.pem)"
fi
export GATEWAY_TLS_LISTEN="${GATEWAY_TLS_LISTEN:-0.0.0.0:9443}"
# One key for the API and both workers, kept across runs (README, Security): generated station
# passwords are then checked at hash speed instead of scrypt's.
if [ -z "${STATION_PASSWORD_KEY:-}" ]; then
  STATION_PASSWORD_KEY="$(.venv/bin/python -m shared.station_key .local/station-password.key)"
  export STATION_PASSWORD_KEY
  echo "==> station password key in .local/station-password.key"
fi
# The operator API's admin key, kept across runs like the station key: every route but the
# health ones needs a key (README, Operator API).
if [ -z "${API_ADMIN_KEY:-}" ]; then
  API_ADMIN_KEY="$(.venv/bin/python -m shared.station_key .local/api-admin.key)"
  export API_ADMIN_KEY
fi
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

  Stations connect to:  ws://127.0.0.1:$(port "$GATEWAY_LISTEN")/ocpp/{stationId}   (profile 1)
                        wss://127.0.0.1:$(port "$GATEWAY_TLS_LISTEN")/ocpp/{stationId}  (profiles 2, 3)
  Operator API:         http://127.0.0.1:$(port "$API_LISTEN")/api/v1   (OpenAPI: /api/v1/openapi.json)
  Operator console:     http://127.0.0.1:$(port "$API_LISTEN")/   (log in with the admin key below;
                        Stations > Register a station, then a demo station:
                        .venv/bin/python -m tests.demo_station CS001 --password <its password>)
  Admin API key:        $API_ADMIN_KEY   (API_ADMIN_KEY; make run keeps it in .local/api-admin.key)
  Register a station:   export H="Authorization: Bearer $API_ADMIN_KEY"
                        curl -H "\$H" -X PUT http://127.0.0.1:$(port "$API_LISTEN")/api/v1/stations/CS001 \\
                          -d '{"generatePassword": true}'   (or '{"password": "..."}')
  Ctrl-C stops.

MSG
# Any process dying takes the others down, so a broken start is not silently half-running.
wait -n "${pids[@]}" || true
echo "==> a process exited; stopping the rest" >&2
stop
