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
POSTGRES_PORT="${POSTGRES_PORT:-55432}"
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
  # Only the dependencies go into .venv: the code runs from the checkout (every process is
  # started from here with `python -m`), so no egg-info or build folder is written into it.
  local py="${PYTHON:-python3}"
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    say "creating virtualenv .venv"
    "$py" -m venv "$ROOT/.venv"
  fi
  if [ ! -f "$ROOT/.venv/.installed" ] || [ "$ROOT/pyproject.toml" -nt "$ROOT/.venv/.installed" ]; then
    say "installing the project's dependencies and test tools into .venv"
    "$ROOT/.venv/bin/pip" install -q --upgrade pip
    "$ROOT/.venv/bin/python" -c 'import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["test"]))' \
      "$ROOT/pyproject.toml" >"$STATE/requirements.txt"
    "$ROOT/.venv/bin/pip" install -q -r "$STATE/requirements.txt"
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

pg_bin() { # the newest installed PostgreSQL's bin directory (Debian keeps it off PATH)
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_pg() { # run as the owner of the private cluster: PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

pg_data_dir() {
  # A private cluster under .local/ of this checkout. Root runs it as the `postgres` system
  # user, which must be able to reach the directory; a checkout under a private (0700)
  # folder such as mktemp's cannot be reached, and then the cluster lives in /var/tmp, keyed
  # by the checkout's path, and we say so.
  local dir="$STATE/postgres"
  if [ "$(id -u)" = 0 ] && ! su postgres -s /bin/sh -c "test -x '$STATE'" 2>/dev/null; then
    dir="/var/tmp/csms-postgres-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    say "the postgres user cannot reach $STATE; its data directory is $dir" >&2
  fi
  echo "$dir"
}

ensure_postgres() {
  if [ -z "$(pg_bin)" ]; then
    say "installing postgresql (Debian)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
  local bin data
  bin="$(pg_bin)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$POSTGRES_PORT") 2>/dev/null; then
    say "PostgreSQL already listening on 127.0.0.1:$POSTGRES_PORT"
  else
    data="$(pg_data_dir)"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$data" && chmod 700 "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
      say "creating a private PostgreSQL cluster in $data"
      as_pg "'$bin/initdb' -D '$data' -A trust -U postgres --no-sync" >"$STATE/postgres-init.log"
    fi
    # Loopback only, on a port of its own so a system PostgreSQL on 5432 is left alone.
    # max_connections=300 leaves room for FerretDB's pool (below).
    # synchronous_commit=off: a commit returns before its WAL reaches the disk, as MongoDB's
    # default write concern (journal flushed every 100 ms) does; a crash can lose the last
    # fraction of a second, never corrupt the cluster. This is the development store.
    say "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
    as_pg "'$bin/pg_ctl' -D '$data' -w -t 60 -l '$data/server.log' start -o \
      \"-p $POSTGRES_PORT -k '$data' -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=300\"" \
      >/dev/null || { tail -n 20 "$data/server.log" >&2; exit 1; }
    echo "$data" >"$STATE/postgres.datadir"
  fi
  if ! "$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -Atc \
      "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" postgres | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres ferretdb
  fi
}

ensure_ferretdb() {
  if [ -n "${MONGO_URL:-}" ]; then say "using MongoDB at MONGO_URL"; return; fi
  [ -x "$FERRETDB_BIN" ] || build_ferretdb
  if (exec 3<>"/dev/tcp/127.0.0.1/$FERRETDB_PORT") 2>/dev/null; then
    if [ -f "$STATE/ferretdb.pid" ] && kill -0 "$(cat "$STATE/ferretdb.pid")" 2>/dev/null; then
      say "FerretDB already running on 127.0.0.1:$FERRETDB_PORT"
    else
      say "warning: 127.0.0.1:$FERRETDB_PORT is already served by a process this checkout did" \
        "not start (another checkout's FerretDB, or a MongoDB); using it"
    fi
    return
  fi
  ensure_postgres
  say "starting FerretDB on PostgreSQL (state in $STATE/ferretdb)"
  mkdir -p "$STATE/ferretdb"
  # --state-dir keeps FerretDB's state.json out of the working directory; the process also
  # runs from $STATE so nothing it writes can land in the checkout. --debug-addr=-: its
  # metrics listener (default :8088) is unused here and, when that port is taken, made
  # FerretDB exit at start. pool_max_conns: FerretDB v1 holds one PostgreSQL connection per
  # statement of an update command until the command ends, and waits for a free one without
  # a timeout; with its default pool of 50, one bulk write of 60 upserts, or four concurrent
  # ones of 16, hung the whole server (measured). store.BULK_CHUNK keeps each command small;
  # the larger pool keeps several workers' chunks and single updates from adding up to it.
  (cd "$STATE" && exec nohup "$FERRETDB_BIN" --handler=postgresql \
    --postgresql-url="postgres://postgres@127.0.0.1:$POSTGRES_PORT/ferretdb?pool_max_conns=250" \
    --state-dir="$STATE/ferretdb" --listen-addr="127.0.0.1:$FERRETDB_PORT" \
    --telemetry=disable --log-level=warn --debug-addr=- >"$STATE/ferretdb.log" 2>&1) &
  echo $! >"$STATE/ferretdb.pid"
  wait_port 127.0.0.1 "$FERRETDB_PORT" 60 FerretDB || { tail -n 5 "$STATE/ferretdb.log" >&2; exit 1; }
  say "FerretDB is up on 127.0.0.1:$FERRETDB_PORT (PostgreSQL on 127.0.0.1:$POSTGRES_PORT)"
}

ensure_venv
ensure_rabbitmq
ensure_ferretdb
