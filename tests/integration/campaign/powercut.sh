#!/usr/bin/env bash
# Power-cut harness: runs a 3-device campaign (gateway in phase 0, two ECUs
# in phase 1) through the real engine, journal and example-ECU runners, and
# SIGKILLs the host (its runners die with it) at a seeded random crash point;
# in a third of the runs it kills the recovering host once more. Then it lets
# the host finish and checks that all devices are on the old version or all
# on the new one, idle, and that the recorded outcome says which.
# Usage: powercut.sh BUILD_DIR [RUNS=200] [SEED=1]
set -euo pipefail
build=$(cd "$1" && pwd)
runs=${2:-200}
seed=${3:-1}
host=$build/tests/integration/campaign/powercut_host
runner=$build/libexec/conduit/conduit-agent-runner
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/agents" "$work/agent-config" "$work/payloads"
sed "s|\"library\": \"|\"library\": \"$build/lib/conduit/agents/|" "$build/lib/conduit/agents/example-ecu.json" > "$work/agents/example-ecu.json"
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"}' > "$work/agent-config/io.conduit.example.ecu.json"
targets=""
for dev in gw-1:gateway:0 ecu-1:brake:1 ecu-2:brake:1; do
  IFS=: read -r id hw phase <<< "$dev"
  head -c $((200000 + RANDOM)) /dev/urandom > "$work/payloads/$id.img"
  len=$(stat -c %s "$work/payloads/$id.img")
  sha=$(openssl dgst -sha256 -r "$work/payloads/$id.img" | cut -d' ' -f1)
  [ -n "$targets" ] && targets+=","
  targets+="{\"device\":\"$id\",\"hardware_id\":\"$hw\",\"target\":\"$id.img\",\"version\":\"2.0.0\",\"sha256\":\"$sha\",\"length\":\"$len\",\"phase\":$phase}"
done
echo "{\"id\":\"powercut-1\",\"name\":\"power-cut harness\",\"targets\":[$targets]}" > "$work/campaign.json"

run_host() { # state-dir [extra args]
  local st=$1; shift
  "$host" --state "$st" --agents "$work/agents" --agent-config "$work/agent-config" --runner "$runner" \
    --campaign "$work/campaign.json" --payloads "$work/payloads" "$@" 2>/dev/null
}

# Size the crash-point space with one clean run.
points=$(run_host "$work/clean" | sed -n 's/^crash-points //p')
[ "${points:-0}" -gt 10 ] || { echo "clean run failed"; exit 1; }

RANDOM=$seed
consistent=0 mixed=0 old=0 new=0 second=0
for i in $(seq 1 "$runs"); do
  st=$work/run$i
  n1=$((RANDOM % points + 1))
  set +e
  # (subshells keep bash from announcing each "Killed")
  (run_host "$st" --crash-at "$n1" >/dev/null) 2>/dev/null; rc1=$?
  if [ $((RANDOM % 3)) -eq 0 ]; then
    second=$((second + 1))
    (run_host "$st" --crash-at $((RANDOM % 40 + 1)) >/dev/null) 2>/dev/null
  fi
  run_host "$st" >/dev/null; rc3=$?
  set -e
  report=$(run_host "$st" --report)
  devices=$(sed -n 's/^devices //p' <<< "$report")
  outcome=$(sed -n 's/^outcome //p' <<< "$report")
  verdict=mixed
  if [ "$devices" = "ecu-1=1.0.0/idle ecu-2=1.0.0/idle gw-1=1.0.0/idle" ] && [ "$outcome" != success ] && [ "$outcome" != none ]; then
    verdict=old
  elif [ "$devices" = "ecu-1=2.0.0/idle ecu-2=2.0.0/idle gw-1=2.0.0/idle" ] && [ "$outcome" = success ]; then
    verdict=new
  fi
  if [ $verdict = mixed ] || [ $rc3 -ne 0 ]; then
    mixed=$((mixed + 1))
    echo "run $i (crash at $n1, first exit $rc1): INCONSISTENT: $devices, outcome $outcome, final exit $rc3"
  else
    consistent=$((consistent + 1))
    [ $verdict = old ] && old=$((old + 1)) || new=$((new + 1))
  fi
  rm -rf "$st"
done
echo "powercut: $runs runs over $points crash points (seed $seed, $second with a second cut during recovery):" \
     "$consistent consistent ($new all-new, $old all-old), $mixed mixed"
[ "$mixed" -eq 0 ]
