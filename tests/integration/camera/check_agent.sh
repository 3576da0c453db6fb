#!/usr/bin/env bash
# conduitd --check-agent on the camera agent: with a configuration (a test
# pattern) it passes without a warning; without one it refuses to start and
# says why (an unconfigured camera agent must not show a test pattern as if
# it were the vehicle's camera).
# Usage: check_agent.sh CONDUITD MANIFEST
set -euo pipefail
conduitd=$1 manifest=$2
work=$(mktemp -d /tmp/conduit-camera-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/agent-config"
printf '[agents]\nconfig_dir = %s/agent-config\n' "$work" > "$work/conduit.conf"
echo '{"source":"test","width":320,"height":240,"fps":10}' > "$work/agent-config/io.conduit.camera.json"

out=$("$conduitd" --check-agent "$manifest" --config "$work/conduit.conf" 2>&1) || { echo "FAIL: configured check: $out"; exit 1; }
grep -q '"result": "ok"' <<< "$out" || { echo "FAIL: configured check did not pass: $out"; exit 1; }
if grep -q 'WARNING' <<< "$out"; then echo "FAIL: warnings: $out"; exit 1; fi
echo "ok: configured camera agent passes --check-agent"

rm "$work/agent-config/io.conduit.camera.json"
if out=$("$conduitd" --check-agent "$manifest" --config "$work/conduit.conf" 2>&1); then
  echo "FAIL: an unconfigured camera agent passed: $out"; exit 1
fi
grep -q '"source\\" is required\|"source" is required' <<< "$out" || { echo "FAIL: no reason given: $out"; exit 1; }
echo "ok: unconfigured, it refuses to start and says \"source\" is required"
