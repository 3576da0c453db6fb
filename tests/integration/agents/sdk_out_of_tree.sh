#!/usr/bin/env bash
# The vendor path: install the SDK alone, build plugins/examples against it
# out of tree (one agent is pure C), and validate each with --check-agent.
set -euo pipefail
src=$1 build=$2 conduitd=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/sdk" --component sdk >/dev/null
test -f "$work/sdk/include/conduit/agent.h"
test -f "$work/sdk/include/conduit/ext/data-capture.h"
test -f "$work/sdk/lib/pkgconfig/conduit-agent.pc" || test -f "$work/sdk/lib/x86_64-linux-gnu/pkgconfig/conduit-agent.pc"
cmake -S "$src/plugins/examples" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/sdk" >/dev/null
cmake --build "$work/build" >/dev/null
# The pkg-config route, with a plain compiler call, for the pure-C agent.
pcdir=$(dirname "$(find "$work/sdk" -name conduit-agent.pc)")
cc -std=c99 -shared -fPIC -o "$work/ecu-pkgconfig.so" "$src/plugins/examples/ecu-c/ecu.c" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs conduit-agent)
for plugin in "$work/build/agents/example-ecu.json" "$work/build/agents/example-sink.json" "$work/ecu-pkgconfig.so"; do
  "$conduitd" --check-agent "$plugin" > "$work/report.json"
  grep -q '"result": "ok"' "$work/report.json"
done
# Exactly one exported symbol.
exports=$(nm -D --defined-only "$work/build/agents/example-ecu.so" | awk '$2 == "T" {print $3}')
[ "$exports" = "conduit_agent_entry" ] || { echo "unexpected exports: $exports"; exit 1; }
echo "sdk out-of-tree build: 3 agents built and checked"
