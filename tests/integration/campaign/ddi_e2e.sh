#!/usr/bin/env bash
# The main job, end to end on this machine: a fleet server (conduit-devserver:
# hawkBit DDI + the Uptane Director and Image repositories) deploys an update
# to a vehicle with six devices: a gateway and two brake ECUs (the example
# ECU agent), an engine ECU (single bank) and a transmission ECU (dual bank)
# reprogrammed over DoIP by the bootloader agent (UDS, seed/key, Intel HEX
# and S-record images, behind conduit-ecusim's simulated DoIP gateway), and
# a head unit with A/B partitions (the flash agent, file slots, trial boot). conduitd polls the server, verifies everything with
# Uptane, asks the driver (conduitctl, over D-Bus) for consent, downloads
# and installs phase by phase, reboots the head unit into its new slot and
# commits; the server sees every step as DDI feedback. Then a second update
# whose head-unit slot never comes up: the bootloader falls back and every
# device rolls back (the engine ECU is reflashed with its kept 2.0 image,
# the transmission ECU switches back to its other bank). Then a third whose head unit boots its new slot while
# ecu-2 comes back on its old software: every device rolls back, and the
# server is told that the head unit runs the new slot until its next reboot.
# Prints what happens and checks it.
# Usage: ddi_e2e.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
source "$(dirname "$0")/../lib/ecusim.sh"
ddi_private_bus "$@" # conduitd publishes its control API on a private session bus
ddi_setup "$1" conduit-ddi
ddi_before_cleanup() {
  touch "$work/stop"
  [ -f "$work/conduitd.pid" ] && kill "$(cat "$work/conduitd.pid")" 2>/dev/null || true
  kill "${vehicle_pid:-}" "${hmi_pid:-}" "${ecusim_pid:-}" 2>/dev/null || true
}
mkdir -p state agent-config images slots boot

# --- the vehicle's devices ---------------------------------------------------
head -c $((8 << 20)) /dev/urandom > slots/hu-a.img
: > slots/hu-b.img
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"}' > agent-config/io.conduit.example.ecu.json
# Two ECUs behind a DoIP gateway (conduit-ecusim), both running 1.0 from the factory.
cat > ecusim.json <<JSON
{"entity":{"announceCount":0},"ecus":[
 {"name":"ecm","logicalAddress":4097,"banks":1,"initialVersion":"1.0","hardwareNumber":"ECM-V3"},
 {"name":"tcu","logicalAddress":4098,"banks":2,"initialVersion":"1.0","hardwareNumber":"TCU-V1"}]}
JSON
ecusim_start ecusim.json ecusim-flash
cat > agent-config/io.conduit.bootloader.json <<JSON
{"gateways":[{"id":"gw","host":"127.0.0.1","port":$ecusim_port}],
 "seed_key":{"library":"$agents/libconduit-seedkey-example.so","variant":"conduit-example"},
 "profiles":{"body":{"memory":[{"address":"0x10000","size":"0x40000"}]}},
 "ecus":[{"id":"ecm-1","hardware_id":"ecm","logical_address":"0x1001","profile":"body"},
         {"id":"tcu-1","hardware_id":"tcu","logical_address":"0x1002","banks":2,"profile":"body"}]}
JSON
cat > agent-config/io.conduit.flash.json <<JSON
{"devices":[{"id":"hu-1","hardware_id":"hu-sim","slots":{
  "A":{"path":"$work/slots/hu-a.img","version":"1.0"},
  "B":{"path":"$work/slots/hu-b.img"}},
  "boot":{"backend":"file","path":"$work/boot/bootenv","tries":1}}]}
JSON
# The front camera (camera agent, GStreamer test pattern): a data source,
# not updated by these campaigns; its ring of clips runs beside them.
echo '{"device_id":"camera-1","hardware_id":"cam-sim","source":"test","width":320,"height":240,"fps":10}' \
  > agent-config/io.conduit.camera.json
# The "reboot": the bootloader boots the trial slot (or, to show a fallback,
# fails it twice), then the host restarts (the supervisor loop below).
cat > reboot.sh <<SH
#!/bin/sh
echo "  [vehicle] rebooting" >&2
"$bin/flash-bootsim" file "$work/boot/bootenv" >/dev/null
if [ "\$(cat "$work/boot-mode")" = fail ]; then "$bin/flash-bootsim" file "$work/boot/bootenv" >/dev/null; fi
# ecu-2-old: the head unit boots its new slot, but ecu-2 comes back on its previous software.
if [ "\$(cat "$work/boot-mode")" = ecu-2-old ]; then
  f=\$(find "$work/state" -name ecu-2.state)
  { sed -n 2p "\$f"; sed -n '2,\$p' "\$f"; } > "\$f.new" && mv "\$f.new" "\$f"
fi
kill -TERM "\$(cat "$work/conduitd.pid")"
SH
chmod +x reboot.sh
echo ok > boot-mode

# --- the release engineer -------------------------------------------------------
release() { # version counter
  # What the driver is told (the HMI's details and consent screens), signed
  # with each target: notes in English and German, this device's
  # installation time and the time the car cannot be driven for it.
  mkdir -p notes
  printf 'Gateway %s: faster start-up, clearer fault codes for the workshop.\n' "$1" > notes/gateway-en.txt
  printf 'Gateway %s: schnellerer Start, verst\xc3\xa4ndlichere Fehlercodes f\xc3\xbcr die Werkstatt.\n' "$1" > notes/gateway-de.txt
  printf 'Brakes %s: smoother braking at low speed.\n' "$1" > notes/brake-en.txt
  printf 'Bremsen %s: sanfteres Bremsen bei niedriger Geschwindigkeit.\n' "$1" > notes/brake-de.txt
  printf 'Engine %s: cleaner cold start.\n' "$1" > notes/ecm-en.txt
  printf 'Motor %s: sauberer Kaltstart.\n' "$1" > notes/ecm-de.txt
  printf 'Transmission %s: smoother shifts.\n' "$1" > notes/tcu-en.txt
  printf 'Getriebe %s: sanftere Gangwechsel.\n' "$1" > notes/tcu-de.txt
  printf 'Head unit %s: new navigation maps, faster route planning.\n' "$1" > notes/hu-sim-en.txt
  printf 'Infotainment %s: neue Navigationskarten, schnellere Routenplanung.\n' "$1" > notes/hu-sim-de.txt
  for dev in gw-1:gateway:0:2:120:120 ecu-1:brake:1:2:300:300 ecu-2:brake:1:2:240:240 hu-1:hu-sim:2:16:600:90; do
    IFS=: read -r id hw phase mib install unusable <<< "$dev"
    head -c $((mib << 20)) /dev/urandom > "images/$id-$1.img"
    "$bin/conduit-repo" add-target --repo repo "images/$id-$1.img" --hardware-id "$hw" \
      --release-counter "$2" --phase "$phase" --require-parked --version "$1" \
      --install-seconds "$install" --unusable-seconds "$unusable" \
      --release-notes "en=notes/$hw-en.txt" --release-notes "de=notes/$hw-de.txt" >/dev/null
    "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-$1.img" >/dev/null
  done
  # The DoIP ECUs' images: Intel HEX for the engine, S-record for the transmission.
  for dev in ecm-1:ecm:ihex:hex tcu-1:tcu:srec:s19; do
    IFS=: read -r id hw format ext <<< "$dev"
    ecusim_image "$1" "$2" "$format" "images/$id-$1.$ext"
    "$bin/conduit-repo" add-target --repo repo "images/$id-$1.$ext" --hardware-id "$hw" \
      --release-counter "$2" --phase 1 --require-parked --version "$1" \
      --install-seconds 60 --unusable-seconds 60 \
      --release-notes "en=notes/$hw-en.txt" --release-notes "de=notes/$hw-de.txt" >/dev/null
    "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-$1.$ext" >/dev/null
  done
  "$bin/conduit-repo" sign --repo repo >/dev/null
  rm -rf www && "$bin/conduit-repo" publish --repo repo --out www >/dev/null
}
deploy() { # version
  ddi_deploy "{\"controller\":\"vin-0042\",\"download\":\"attempt\",\"update\":\"attempt\",\"chunks\":[
    {\"part\":\"gateway\",\"version\":\"$1\",\"name\":\"gateway\",\"artifacts\":[\"$work/images/gw-1-$1.img\"]},
    {\"part\":\"brake\",\"version\":\"$1\",\"name\":\"brakes\",\"artifacts\":[\"$work/images/ecu-1-$1.img\",\"$work/images/ecu-2-$1.img\"]},
    {\"part\":\"powertrain\",\"version\":\"$1\",\"name\":\"powertrain\",\"artifacts\":[\"$work/images/ecm-1-$1.hex\",\"$work/images/tcu-1-$1.s19\"]},
    {\"part\":\"head-unit\",\"version\":\"$1\",\"name\":\"head unit\",\"artifacts\":[\"$work/images/hu-1-$1.img\"]}]}"
}

echo "== release engineer: keys, repositories, update 2.0 for gw-1, ecu-1, ecu-2, the DoIP ECUs ecm-1 and tcu-1, and the head unit hu-1"
"$bin/conduit-repo" init --repo repo --seed 42 >/dev/null
release 2.0 2
"$bin/conduitctl" provision --state state/trust.json \
  --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json

echo "== fleet server: conduit-devserver (DDI + Director + Image repositories)"
ddi_start_server --repo www --poll-sleep 00:00:01
echo "   $server"
cat > conduit.conf <<CONF
[host]
state_dir = state
vin = VIN0042
[agents]
config_dir = agent-config
dirs = $agents
[campaign]
reboot_command = $work/reboot.sh
[vehicle]
source = simulation
[agent-paths]
io.conduit.flash = rw:$work/slots, rw:$work/boot
[ddi]
server = $server
controller_id = vin-0042
director_url = $server/repo/director/
image_url = $server/repo/image/
plain_http = true
CONF
# The vehicle: conduitd, restarted whenever it exits (a reboot), like systemd.
(
  while [ ! -f "$work/stop" ]; do
    "$bin/conduitd" --config conduit.conf 2>>conduitd.log &
    echo $! > conduitd.pid
    wait $! || true
  done
) &
vehicle_pid=$!
ddi_wait_host
# With a display (scripts/demo sets CONDUIT_DEMO_HMI), the driver's HMI shows
# the campaign on the same bus and the person at the screen answers the
# consent questions there; headless, the scripted driver below answers.
if [ -n "${CONDUIT_DEMO_HMI:-}" ] && [ -x "$bin/conduit-hmi" ]; then
  "$bin/conduit-hmi" 2>/dev/null &
  hmi_pid=$!
  echo "== the driver HMI (conduit-hmi) is open on your display"
fi
echo "== vehicle inventory (conduitctl agents)"
ctl agents

# The driver: answers every consent the HMI would show, until the campaign ends.
drive() {
  # Bounded: a campaign that does not end within 2 minutes fails the run.
  local limit=120
  [ -n "${CONDUIT_DEMO_HMI:-}" ] && limit=900 # a person answers in the HMI
  # watch exits by the outcome (4 rolled back, ... docs/dbus-api.md): the
  # checks after each campaign judge it; a timeout (124) fails here.
  local rc=0
  timeout "$limit" "$bin/conduitctl" watch --follow --json --session | while read -r event; do
    case "$event" in
      *'"event":"consent"'*)
        kind=$(sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p' <<< "$event")
        # What the driver is told before agreeing (the HMI's details screen).
        if [ "$kind" = download ]; then
          ctl status | sed -n '/^installation:/,/^transfer:/p' | sed -e '/^transfer:/d' -e '/^ *$/d' -e 's/^/  [driver] reads: /' || true
        fi
        if [ -n "${CONDUIT_DEMO_HMI:-}" ]; then echo "  [driver] please answer the $kind question in the HMI"
        else
          echo "  [driver] accepts the $kind"
          ddi_accept "$kind"
        fi ;;
      *'"event":"state"'*) echo "  state: $(sed -n 's/.*"state":"\([A-Za-z]*\)".*/\1/p' <<< "$event")" ;;
      *'"event":"finished"'*) echo "  result: $(sed -n 's/.*"outcome":"\([a-z-]*\)".*/\1/p' <<< "$event")"; break ;;
    esac
  done || rc=$?
  [ "$rc" -le 7 ] || { echo "FAIL: conduitctl watch ended with status $rc (124: the campaign did not end in ${limit} s)"; exit 1; }
}
# The devices the campaign updates (not the sink; the camera takes no updates).
versions() { ctl agents | awk 'NR > 1 && $0 !~ /^ / && $1 != "sink-1" && $1 != "camera-1" {print $1 "=" $4}' | sort | tr '\n' ' '; }
server_result() { # action
  ddi_feedback "$1" | tr ',' '\n' | grep -o '"finished":"[a-z]*"' | tail -1
}

echo
echo "== server deploys update 2.0 (action $(deploy 2.0)); the driver consents in the HMI (here: conduitctl)"
drive
echo "devices: $(versions)"
[ "$(versions)" = "ecm-1=2.0 ecu-1=2.0 ecu-2=2.0 gw-1=2.0 hu-1=2.0 tcu-1=2.0 " ] || { echo "FAIL: not all on 2.0"; exit 1; }
[ "$(server_result 1)" = '"finished":"success"' ] || { echo "FAIL: server did not see success"; exit 1; }
echo "server: action 1 closed with success"
doip_blocks() { grep -c "^ecusim: $1 .* <- TransferData" ecusim.log || true; }
echo "DoIP ECUs (conduit-ecusim): ecm $(doip_blocks ecm) and tcu $(doip_blocks tcu) TransferData blocks so far"
[ "$(doip_blocks ecm)" -gt 0 ] && [ "$(doip_blocks tcu)" -gt 0 ] || { echo "FAIL: the DoIP ECUs were not reprogrammed"; exit 1; }
ecm_blocks_2=$(doip_blocks ecm)

echo
echo "== update 3.0, but the head unit's new slot does not come up: the bootloader falls back"
release 3.0 3
echo fail > boot-mode
action=$(deploy 3.0)
drive
echo "devices: $(versions)"
[ "$(versions)" = "ecm-1=2.0 ecu-1=2.0 ecu-2=2.0 gw-1=2.0 hu-1=2.0 tcu-1=2.0 " ] || { echo "FAIL: not all back on 2.0"; exit 1; }
[ "$(server_result "$action")" = '"finished":"failure"' ] || { echo "FAIL: server did not see the failure"; exit 1; }
echo "server: action $action closed with failure: $(ddi_feedback "$action" | grep -o 'runs [^"]*' | tail -1)"
echo "DoIP ECUs: ecm received $(( $(doip_blocks ecm) - ecm_blocks_2 )) blocks in this update (its 3.0 image, then its kept 2.0 image again), tcu switched back to its 2.0 bank"
if ddi_feedback "$action" | grep -q 'a reboot is needed'; then echo "FAIL: a reboot asked for although hu-1 fell back"; exit 1; fi

echo
echo "== update 4.0: the head unit boots its new slot, but ecu-2 comes back on 2.0: all roll back, and the head unit needs a reboot"
release 4.0 4
echo ecu-2-old > boot-mode
action=$(deploy 4.0)
drive
[ "$(server_result "$action")" = '"finished":"failure"' ] || { echo "FAIL: server did not see the failure"; exit 1; }
reboot=$(ddi_feedback "$action" | grep -o 'a reboot is needed: [^"]*' | tail -1)
grep -q 'hu-1 still runs 4.0' <<< "$reboot" || { echo "FAIL: the server was not told that hu-1 needs a reboot: $(ddi_feedback "$action" | tail -c 600)"; exit 1; }
echo "server: action $action closed with failure: $reboot"
echo
echo "history (conduitctl history):"
ctl history
echo
echo "ddi demo: all steps behaved as expected"
ok=1
