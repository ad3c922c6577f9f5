#!/bin/sh
# Entry point of the ocpp-csms image: `docker run IMAGE gateway|workers|api`.
# The process is exec'ed, so it is PID 1 and receives SIGTERM itself.
set -eu

usage() {
    cat <<'USAGE'
usage: docker run IMAGE COMMAND

  gateway       websocket gateway for stations (GATEWAY_LISTEN, default 0.0.0.0:9000)
  workers       OCPP workers consuming ocpp.inbound
  api           operator HTTP API (API_LISTEN, default 0.0.0.0:8080)
  config-table  print every setting with its default

Configuration is environment variables only (AMQP_URL, MONGO_URL, ...); see README.md.
Any other COMMAND is run as given (e.g. `sh`).
USAGE
}

case "${1:-}" in
    gateway | workers | api)
        exec python -m "$1"
        ;;
    config-table)
        exec python -m shared.config
        ;;
    "" | -h | --help | help)
        usage
        [ -n "${1:-}" ] || exit 2
        ;;
    *)
        exec "$@"
        ;;
esac
