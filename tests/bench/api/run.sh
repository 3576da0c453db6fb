#!/usr/bin/env bash
# Control API figures: start to bus name, D-Bus traffic of one campaign
# (3 ECUs x 64 MiB from a bundle, consent given over D-Bus), and the latency
# of Progress signals from the engine change to a D-Bus client (3 campaigns
# to ECUs behind a slow bus: 3 x 6 MiB at 1 MiB/s in 8 KiB chunks, 50 ms per
# install step).
# Usage: tests/bench/api/run.sh [build-dir]
set -euo pipefail
if [ -z "${CONDUIT_BENCH_BUS:-}" ]; then export CONDUIT_BENCH_BUS=1; exec dbus-run-session -- "$0" "$@"; fi
cd "$(dirname "$0")/../../.."
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p state agent-config agents
sed "s|\"library\": \"|\"library\": \"$build/lib/conduit/agents/|" "$build/lib/conduit/agents/example-ecu.json" > agents/example-ecu.json
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"}' > agent-config/io.conduit.example.ecu.json
printf '[host]\nstate_dir = state\n[agents]\nconfig_dir = agent-config\ndirs = agents\n' > conduit.conf
"$bin/conduit-repo" init --repo repo --seed 01 >/dev/null
for d in gw-1:gateway ecu-1:brake ecu-2:brake; do
  IFS=: read -r id hw <<< "$d"
  head -c 64M /dev/urandom > "$id.img"
  "$bin/conduit-repo" add-target --repo repo "$id.img" --hardware-id "$hw" --release-counter 1 >/dev/null
  "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id.img" >/dev/null
done
"$bin/conduit-repo" sign --repo repo >/dev/null
"$bin/conduit-repo" bundle --repo repo --out u.bundle >/dev/null
# The slow-bus vehicle: its own state, the benchmark agent.
for d in gw-1:gateway ecu-1:brake ecu-2:brake; do
  IFS=: read -r id hw <<< "$d"
  head -c 6M /dev/urandom > "$id-slow.img"
  "$bin/conduit-repo" add-target --repo repo "$id-slow.img" --hardware-id "$hw" --release-counter 2 >/dev/null
  "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-slow.img" >/dev/null
done
"$bin/conduit-repo" sign --repo repo >/dev/null
"$bin/conduit-repo" bundle --repo repo --out slow.bundle >/dev/null
mkdir -p slow/state slow/agent-config
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake", "bytes_per_second": 1048576, "chunk_bytes": 8192, "step_ms": 50}' \
  > slow/agent-config/io.conduit.bench.busecu.json
printf '[host]\nstate_dir = %s/slow/state\n[agents]\nconfig_dir = %s/slow/agent-config\ndirs = %s\n' \
  "$work" "$work" "$build/tests/bench/api/agents" > slow.conf
"$bin/conduitctl" provision --state slow/state/trust.json --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json >/dev/null
"$bin/conduitctl" provision --state state/trust.json --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json >/dev/null
"$build/tests/bench/api/bench_api" startup 20 --config "$work/conduit.conf" 2>/dev/null
"$build/tests/bench/api/bench_api" campaign "$work/conduit.conf" "$work/u.bundle" 2>/dev/null
"$build/tests/bench/api/bench_api" latency "$work/slow.conf" "$work/slow.bundle" 3 2>/dev/null
