#!/usr/bin/env bash
# Runs lint, type checks and the whole test suite against the servers services.sh started.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# The console's tests drive a real browser: Debian's Chromium and its driver (README, Console).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "==> installing chromium and chromium-driver (Debian) for the console's browser tests"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi
# ... and may not be skipped for want of one.
export CSMS_REQUIRE_BROWSER=1
.venv/bin/ruff check .
.venv/bin/mypy shared store gateway workers api bench
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
