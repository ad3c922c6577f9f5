#!/usr/bin/env bash
# Runs lint, type checks and the whole test suite against the servers services.sh started.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/mypy shared store gateway workers api bench
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
