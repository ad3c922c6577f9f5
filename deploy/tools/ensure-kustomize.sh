#!/usr/bin/env bash
# Prints the path of a kustomize binary, building it with Go the first time.
#
# Idempotent: the binary is kept in ${XDG_CACHE_HOME:-$HOME/.cache}/csms/bin (next to the
# FerretDB that scripts/services.sh builds) and reused. Building needs Go >= 1.24 and the
# Go module proxy; it takes about a minute on 2 cores with an empty Go cache.
# Only the path goes to stdout; progress and errors go to stderr.
#
#   KUSTOMIZE=/path/to/kustomize   use that binary instead (nothing is built)
#   KUSTOMIZE_VERSION=v5.8.1       another version (v5.8.2 and later need Go 1.27)
set -euo pipefail

if [ -n "${KUSTOMIZE:-}" ]; then
    if [ ! -x "$KUSTOMIZE" ]; then
        echo "error: KUSTOMIZE=$KUSTOMIZE is not an executable file" >&2
        exit 1
    fi
    echo "$KUSTOMIZE"
    exit 0
fi

VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
BIN_DIR="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/csms/bin"
BIN="$BIN_DIR/kustomize-$VERSION"

if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: kustomize $VERSION is not in $BIN_DIR and Go is not installed to build it" >&2
    echo "       (install Go, or set KUSTOMIZE to a kustomize v5 binary)" >&2
    exit 1
fi

mkdir -p "$BIN_DIR"
# Two runs at once (two test sessions) build once: the second waits for the first.
exec 9>"$BIN_DIR/.kustomize-$VERSION.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi

echo "==> building kustomize $VERSION with Go into $BIN_DIR (about a minute the first time)" >&2
work="$(mktemp -d "$BIN_DIR/.kustomize-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
GOBIN="$work" \
    go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION" >&2
"$work/kustomize" version >/dev/null
mv "$work/kustomize" "$BIN"
echo "$BIN"
