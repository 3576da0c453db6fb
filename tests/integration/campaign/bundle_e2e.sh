#!/usr/bin/env bash
# End to end, offline: a release engineer signs an update for a 3-ECU vehicle
# (gateway first, then two brake ECUs) into a bundle; the vehicle verifies it
# (Uptane) and installs it through the campaign engine; then a second update
# whose last ECU fails to activate, so every ECU rolls back; then a tampered
# bundle that verification refuses. ECUs are simulated by the example agent,
# each agent in its own runner process. Prints what happens and checks it.
# Usage: bundle_e2e.sh BUILD_DIR        (scripts/demo runs it)
set -euo pipefail
bin=$(cd "$1" && pwd)/bin
work=$(mktemp -d /tmp/conduit-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p agent-config state images
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"}' > agent-config/io.conduit.example.ecu.json
# Only the example ECU agent: this vehicle has three ECUs and nothing else.
mkdir -p agents
sed "s|\"library\": \"|\"library\": \"$bin/../lib/conduit/agents/|" "$bin/../lib/conduit/agents/example-ecu.json" > agents/example-ecu.json
cat > conduit.conf <<CONF
[host]
state_dir = state
[agents]
config_dir = agent-config
dirs = agents
[vehicle]
source = simulation
CONF
conduitd() { "$bin/conduitd" --config conduit.conf "$@"; }
expect_versions() { # every ECU runs version $1
  local inv
  inv=$(conduitd --inventory --json 2>/dev/null || true)
  for id in gw-1 ecu-1 ecu-2; do
    want=$1
    grep -q "\"id\": \"$id\"" <<< "$inv" || { echo "FAIL: $id missing from inventory"; exit 1; }
    tr -d '\n ' <<< "$inv" | grep -q "\"current_version\":\"$want\",\"hardware_id\":\"[a-z]*\",\"id\":\"$id\",\"previous_version\":\"[^\"]*\",\"type\":\"example-ecu\",\"update_state\":\"idle\"" ||
      { echo "FAIL: $id is not on $want"; echo "$inv"; exit 1; }
  done
}

release() { # version release-counter
  # What the driver is told, signed with each target: notes in English and
  # German, this device's installation time and time the car is unusable.
  mkdir -p notes
  printf 'Gateway %s: faster start-up, clearer fault codes for the workshop.\n' "$1" > notes/gateway-en.txt
  printf 'Gateway %s: schnellerer Start, verst\xc3\xa4ndlichere Fehlercodes f\xc3\xbcr die Werkstatt.\n' "$1" > notes/gateway-de.txt
  printf 'Brakes %s: smoother braking at low speed.\n' "$1" > notes/brake-en.txt
  printf 'Bremsen %s: sanfteres Bremsen bei niedriger Geschwindigkeit.\n' "$1" > notes/brake-de.txt
  for dev in gw-1:gateway:0:120 ecu-1:brake:1:300 ecu-2:brake:1:240; do
    IFS=: read -r id hw phase secs <<< "$dev"
    head -c 2000000 /dev/urandom > "images/$id-$1.img"
    "$bin/conduit-repo" add-target --repo repo "images/$id-$1.img" --hardware-id "$hw" \
      --release-counter "$2" --phase "$phase" --require-parked --min-battery 30 --version "$1" \
      --install-seconds "$secs" --unusable-seconds "$secs" \
      --release-notes "en=notes/$hw-en.txt" --release-notes "de=notes/$hw-de.txt" >/dev/null
    "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-$1.img" >/dev/null
  done
  "$bin/conduit-repo" sign --repo repo >/dev/null
  "$bin/conduit-repo" bundle --repo repo --out "update-$1.bundle"
}

echo
echo "== release engineer: keys, Director and Image repositories, update 2.0 for gw-1, ecu-1, ecu-2"
"$bin/conduit-repo" init --repo repo --seed 0123456789abcdef >/dev/null
release 2.0 2
echo
echo "== vehicle: provision the trusted roots, inventory"
"$bin/conduitctl" provision --state state/trust.json \
  --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json
conduitd --inventory | grep -v sink || true
expect_versions 1.0.0
echo
echo "== workshop check of the USB stick (conduitctl verify): nothing installed"
"$bin/conduitctl" verify update-2.0.bundle --state state/trust.json \
  --ecu gw-1=gateway --ecu ecu-1=brake --ecu ecu-2=brake | head -1
echo
echo "== install update 2.0 (consent by policy: --yes)"
conduitd --install update-2.0.bundle --yes
conduitd --inventory | grep -v sink || true
expect_versions 2.0
echo
echo "== update 3.0, but ecu-2 fails to activate: every ECU goes back to 2.0"
release 3.0 3
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake", "fail_at": "ecu-2:activate"}' > agent-config/io.conduit.example.ecu.json
if conduitd --install update-3.0.bundle --yes; then echo "FAIL: update 3.0 should have rolled back"; exit 1; fi
conduitd --inventory | grep -v sink || true
expect_versions 2.0
echo
echo "== a tampered bundle: one byte of an image flipped"
cp update-3.0.bundle tampered.bundle
# The image's tar header is the last mention of its name; data follows it.
offset=$(( $(grep -abo 'targets/ecu-1-3.0.img' tampered.bundle | tail -1 | cut -d: -f1) + 512 + 1000 ))
byte=$(od -An -tu1 -j "$offset" -N1 tampered.bundle | tr -d ' ')
printf "\\x$(printf %02x $((255 - byte)))" | dd of=tampered.bundle bs=1 seek="$offset" conv=notrunc status=none
if "$bin/conduitctl" verify tampered.bundle --state state/trust.json \
  --ecu gw-1=gateway --ecu ecu-1=brake --ecu ecu-2=brake; then echo "FAIL: tampered bundle verified"; exit 1; fi
if conduitd --install tampered.bundle --yes; then echo "FAIL: tampered bundle installed"; exit 1; fi
conduitd --inventory | grep -v sink || true
expect_versions 2.0
echo
echo "demo: all steps behaved as expected"
