#!/usr/bin/env bash
# The vendor path: install the SDK alone, build plugins/examples against it
# out of tree (one agent is pure C), install the test kit alone, and
# validate each agent with its conduitd --check-agent (the device agents
# with --lifecycle too).
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/sdk" --component sdk >/dev/null
cmake --install "$build" --prefix "$work/kit" --component testkit >/dev/null
conduitd=$work/kit/bin/conduitd
test -x "$work/kit/libexec/conduit/conduit-agent-runner"
test -f "$work/kit/share/doc/conduit-testkit/plugin-abi.md"
# The kit and nothing else: no agents, tools or HMI.
extra=$(cd "$work/kit" && find . -type f | grep -v -e '^./bin/conduitd$' -e '^./libexec/conduit/conduit-agent-runner$' \
  -e '^./share/doc/conduit-testkit/' || true)
[ -z "$extra" ] || { echo "the testkit component installs more than the kit: $extra"; exit 1; }
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
  lifecycle=()
  case $plugin in *ecu*) lifecycle=(--lifecycle --payload-size 2000000) ;; esac
  "$conduitd" --check-agent "$plugin" "${lifecycle[@]}" > "$work/report.json"
  grep -q '"result": "ok"' "$work/report.json"
  [ ${#lifecycle[@]} -eq 0 ] || grep -q '"step": "rollback"' "$work/report.json"
done
# Exactly one exported symbol.
exports=$(nm -D --defined-only "$work/build/agents/example-ecu.so" | awk '$2 == "T" {print $3}')
[ "$exports" = "conduit_agent_entry" ] || { echo "unexpected exports: $exports"; exit 1; }
echo "sdk out-of-tree build: 3 agents built and checked with the installed test kit (2 with --lifecycle)"
