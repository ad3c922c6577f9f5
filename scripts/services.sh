#!/usr/bin/env bash
# Installs what is missing and starts RabbitMQ and FerretDB in the background.
# Idempotent: a second run reuses what is installed and running.
# Skips RabbitMQ when AMQP_URL is set and FerretDB when MONGO_URL is set: then the
# operator's own servers are used and nothing is installed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${CSMS_STATE_DIR:-$ROOT/.local}"
FERRETDB_VERSION="v1.24.2"
FERRETDB_PORT="${FERRETDB_PORT:-27017}"
FERRETDB_BIN="${FERRETDB_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/csms/bin/ferretdb-$FERRETDB_VERSION}"
mkdir -p "$STATE"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

wait_port() { # host port seconds what
  for _ in $(seq "$3"); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 1
  done
  echo "error: $4 did not open $1:$2 within $3 s" >&2
  return 1
}

ensure_venv() {
  local py="${PYTHON:-python3}"
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    say "creating virtualenv .venv"
    "$py" -m venv "$ROOT/.venv"
  fi
  if [ ! -f "$ROOT/.venv/.installed" ] || [ "$ROOT/pyproject.toml" -nt "$ROOT/.venv/.installed" ]; then
    say "installing the project and its test tools into .venv"
    "$ROOT/.venv/bin/pip" install -q --upgrade pip
    "$ROOT/.venv/bin/pip" install -q -e "$ROOT[test]"
    touch "$ROOT/.venv/.installed"
  fi
}

rabbit_env() {
  # RabbitMQ's node name needs a resolvable host name; fall back to localhost.
  if ! getent hosts "$(hostname)" >/dev/null 2>&1; then
    export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-rabbit@localhost}"
  fi
}

ensure_rabbitmq() {
  if [ -n "${AMQP_URL:-}" ]; then say "using RabbitMQ at AMQP_URL"; return; fi
  rabbit_env
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
    say "installing rabbitmq-server (Debian)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server
  fi
  export PATH="$PATH:/usr/sbin"
  if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
    say "starting RabbitMQ"
    as_root rabbitmq-server -detached
  fi
  for _ in $(seq 90); do
    if as_root rabbitmqctl -q await_startup >/dev/null 2>&1; then break; fi
    sleep 1
  done
  as_root rabbitmqctl -q await_startup
  # Vhosts of their own keep test runs (and the stack the benchmark tool's test starts in the
  # middle of them) apart from a `make run` on the same broker.
  for vhost in csms-test csms-bench-test; do
    as_root rabbitmqctl -q add_vhost "$vhost" >/dev/null 2>&1 || true
    as_root rabbitmqctl -q set_permissions -p "$vhost" guest '.*' '.*' '.*' >/dev/null
  done
  say "RabbitMQ is up on 127.0.0.1:5672"
}

build_ferretdb() {
  # `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds, but the binary
  # panics at start: "Invalid build/version/version.txt file content" (the module zip has no
  # version.txt). So build the same module source with that file written, as FerretDB's own
  # build does.
  say "building FerretDB $FERRETDB_VERSION with Go (about a minute the first time)"
  local src work
  src="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  work="$(mktemp -d)"
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  (cd "$work" && go build -o "$FERRETDB_BIN" ./cmd/ferretdb)
  rm -rf "$work"
}

ensure_ferretdb() {
  if [ -n "${MONGO_URL:-}" ]; then say "using MongoDB at MONGO_URL"; return; fi
  [ -x "$FERRETDB_BIN" ] || build_ferretdb
  if (exec 3<>"/dev/tcp/127.0.0.1/$FERRETDB_PORT") 2>/dev/null; then
    say "FerretDB (or MongoDB) already listening on 127.0.0.1:$FERRETDB_PORT"
    return
  fi
  say "starting FerretDB (SQLite in $STATE/ferretdb)"
  mkdir -p "$STATE/ferretdb"
  nohup "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$STATE/ferretdb/" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" --telemetry=disable --log-level=warn \
    --debug-addr=- >"$STATE/ferretdb.log" 2>&1 &
  echo $! >"$STATE/ferretdb.pid"
  # --debug-addr=-: its metrics listener (default :8088) is unused here and, when that port is
  # taken, made FerretDB exit at start.
  wait_port 127.0.0.1 "$FERRETDB_PORT" 60 FerretDB || { tail -n 5 "$STATE/ferretdb.log" >&2; exit 1; }
  say "FerretDB is up on 127.0.0.1:$FERRETDB_PORT"
}

ensure_venv
ensure_rabbitmq
ensure_ferretdb
