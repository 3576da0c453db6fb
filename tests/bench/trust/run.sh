#!/bin/sh
# Prints the Trust benchmark figures (docs/benchmarks.md, "Trust").
# Usage: tests/bench/trust/run.sh [BUILD_DIR]   (default: build)
# Env:   SIZE_MIB (default 1024) size of the hashed file, RUNS_VEHICLE (50), RUNS_HASH (5)
set -eu
BUILD=${1:-build}
BENCH="$BUILD/tests/bench/trust/bench_trust"
[ -x "$BENCH" ] || { echo "missing $BENCH (build the bench_trust target)" >&2; exit 1; }
SIZE_MIB=${SIZE_MIB:-1024}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== Uptane full verification, 50 ECUs =="
"$BENCH" vehicle "${RUNS_VEHICLE:-50}"

echo
echo "== SHA-256 over ${SIZE_MIB} MiB: ImageVerifier vs openssl dgst -sha256 =="
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$TMP/image.bin"
cat "$TMP/image.bin" > /dev/null   # both sides read from the page cache
"$BENCH" hash "$TMP/image.bin" "${RUNS_HASH:-5}"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), sha_ni: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
echo "openssl: $(openssl version)"
