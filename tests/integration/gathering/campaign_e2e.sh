#!/usr/bin/env bash
# Data gathering end to end: a real conduitd on a private session bus, the
# real mosquitto broker and the real @tus/server. The fleet signs collection
# campaigns (conduit-repo campaign sign) and publishes them on the vehicle's
# campaigns topic; conduitd verifies them and answers on the responses topic.
# The simulated vehicle drives and brakes hard (conduitctl vehicle set): the
# incident bundle (5 s before, 2 s after) reaches the tus server and is
# checked by SHA-256 against the server's hash and its own manifest, with
# the front camera's clip of the same window (the camera agent on a test
# pattern, asked at the trigger: "capture": "window"; the driver allows the
# camera class first), judged by gst-discoverer-1.0; a
# periodic signal window arrives over MQTT. A tampered campaign is refused
# and the refusal published; with the link metered a bulk-priority bundle
# waits, and goes once the link is unmetered. After a restart the campaigns
# are there and the same document again is answered already-have.
# Usage: campaign_e2e.sh BUILD_DIR        (scripts/demo runs it)
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
source "$(dirname "$0")/../lib/mosquitto.sh"
source "$(dirname "$0")/../lib/tusserver.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-gathering
ddi_before_cleanup() {
  tus_stop
  mosquitto_stop
}
vehicle=TEST-CAR-1
topic=conduit/v1/$vehicle

say() { echo "== $*"; }

# --- the fleet: a broker, an upload server, campaign keys --------------------
mkdir -p broker
mosquitto_start broker
trap ddi_cleanup EXIT # mosquitto_start set its own EXIT trap; ddi_cleanup stops it too
port=$(sed -n 's/.*plain=\([0-9]*\).*/\1/p' broker/ports)
tus_start "$work/uploads" "$(mosquitto_free_port)"
say "fleet: mosquitto on 127.0.0.1:$port, tus server at $tus_endpoint"
sub() { mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -c "$@"; }
# Persistent sessions of the fleet's listeners: what the vehicle publishes
# is queued for them from now on, read below one message at a time.
sub -i fleet-responses -t "$topic/responses" -E
sub -i fleet-data -t "$topic/data/#" -E
next_response() { sub -i fleet-responses -t "$topic/responses" -C 1 -W 20; }

"$bin/conduit-repo" keygen --out campaign.pem >/dev/null
"$bin/conduit-repo" campaign keys --key campaign.pem --out campaign-keys.json >/dev/null
expires=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
campaign() { # id trigger priority window [streams]
  cat > "$1.json" <<JSON
{"_type": "campaign", "spec_version": "1.0", "id": "$1", "version": 1, "expires": "$expires",
 "scope": {"vehicles": ["$vehicle"]},
 "collect": {"signals": ["Vehicle.Speed", "Vehicle.Acceleration.Longitudinal"]${5:-}},
 "trigger": $2, $4
 "priority": "$3", "data_class": "telemetry", "upload": "any"}
JSON
  "$bin/conduit-repo" campaign sign --in "$1.json" --key campaign.pem --out "$1.signed.json" >/dev/null
}
campaign hard-braking '{"condition": "Vehicle.Acceleration.Longitudinal < -6"}' safety '"window": {"pre_ms": 5000, "post_ms": 2000},' \
  ', "streams": [{"device": "camera-1", "stream": "clip", "capture": "window", "data_class": "camera"}]'
campaign speed-trace '{"period_ms": 1000}' normal ''
campaign parked-check '{"condition": "Vehicle.Speed < 1"}' bulk '"window": {"pre_ms": 1000, "post_ms": 0},'

# --- the vehicle --------------------------------------------------------------
mkdir -p state agents agent-config
# The front camera: the camera agent on a GStreamer test pattern.
sed "s|\"camera.so\"|\"$agents/camera.so\"|" "$agents/camera.json" > agents/camera.json
echo '{"device_id":"camera-1","hardware_id":"cam-sim","source":"test","width":320,"height":240,"fps":10}' \
  > agent-config/io.conduit.camera.json
cat > conduit.conf <<CONF
[host]
state_dir = state
[agents]
dirs = agents
config_dir = agent-config
[vehicle]
source = simulation
[gathering]
enabled = true
vehicle_id = $vehicle
campaign_keys = campaign-keys.json
mqtt_broker = tcp://127.0.0.1:$port
tus_url = $tus_endpoint
CONF
ddi_start_host conduit.conf
say "vehicle $vehicle: conduitd up (MQTT, tus, campaign trust file)"
ctl vehicle set Vehicle.Connectivity.IsConnectivityAvailable=true Vehicle.Connectivity.IsMetered=false \
  Vehicle.Powertrain.Transmission.SelectedGear=127 Vehicle.Speed=50 Vehicle.Acceleration.Longitudinal=0 >/dev/null

publish() { mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t "$topic/campaigns" "$@"; }
expect_response() { # campaign-file result
  local r
  r=$(next_response) || ddi_fail "no answer on $topic/responses for $1"
  echo "  fleet reads on responses: $r"
  grep -q "\"result\":\"$2\"" <<< "$r" || ddi_fail "$1: expected $2"
}
for c in hard-braking speed-trace parked-check; do
  say "fleet publishes the signed campaign $c"
  # Retained: the vehicle gets it even if it subscribes after this.
  publish -r -f "$c.signed.json"
  expect_response "$c" accepted
  publish -r -n # clear the retained copy before the next document
done
say "conduitctl gathering campaigns"
ctl gathering campaigns | sed 's/^/  /'
ctl gathering campaigns | grep -q hard-braking || ddi_fail "hard-braking is not listed"

say "fleet publishes a tampered copy of hard-braking (threshold -6 changed to -1 after signing)"
sed 's/< -6/< -1/' hard-braking.signed.json > tampered.json
cmp -s tampered.json hard-braking.signed.json && ddi_fail "the tampering changed nothing"
publish -f tampered.json
expect_response tampered unsigned

say "conduitctl agents: the camera's health, from its inventory status"
# fps is over the last second: wait (bounded) until the camera has run for
# one, as its own frame counter says; a loaded machine starts it slowly.
camera_frames() {
  ctl agents --json | python3 -c '
import json, sys
d = [d for d in json.load(sys.stdin)["devices"] if d["id"] == "camera-1"]
print(d[0]["status"].get("frames_captured", 0) if d and isinstance(d[0]["status"], dict) else 0)'
}
for _ in $(seq 60); do [ "$(camera_frames)" -ge 15 ] && break; sleep 0.5; done
ctl agents | sed 's/^/  /'
ctl agents | grep -q '^  status: capturing=true encoder=vp8 ' || ddi_fail "no camera health in conduitctl agents"
ctl agents --json | python3 -c '
import json, sys
d = [d for d in json.load(sys.stdin)["devices"] if d["id"] == "camera-1"][0]
s = d["status"]
assert s["capturing"] is True and 0 < s["fps"] <= 20 and 0 <= s["ring_fill"] <= 1, s
assert 0 <= s["encoder_latency_ms"] < 1000, s  # about a frame, never the uptime
' || ddi_fail "the camera's status on D-Bus is not its health"

say "the driver allows the camera class (personal data: refused until then)"
ctl gathering consent camera on >/dev/null

# --- driving, then a hard braking --------------------------------------------
say "vehicle drives (conduitctl vehicle set), then brakes hard"
for step in "62 0.8" "75 0.6" "88 0.3" "90 0.0" "82 -7.5" "60 -8.2" "41 -3.0" "35 -0.5"; do
  read -r v a <<< "$step"
  echo "  speed $v km/h, acceleration $a m/s²"
  ctl vehicle set Vehicle.Speed="$v" Vehicle.Acceleration.Longitudinal="$a" >/dev/null
done
verified() { [ -f uploads/verified.log ] && wc -l < uploads/verified.log || echo 0; }
uploaded() { [ "$(verified)" -ge "$1" ]; }
ddi_wait_for 30 "incident bundle at the tus server" uploaded 1
read -r upload sha < uploads/verified.log
say "tus server has upload $upload, SHA-256 $sha (checked by the server against the sha256 metadata)"
[ "$(sha256sum "uploads/$upload" | cut -d' ' -f1)" = "$sha" ] || ddi_fail "the stored upload does not hash to $sha"
mkdir bundle
tar -xf "uploads/$upload" -C bundle
python3 - bundle <<'PY'
import hashlib, json, os, subprocess, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["campaign"]["id"] == "hard-braking", m["campaign"]
w = m["window"]
assert (w["pre_ms"], w["post_ms"]) == (5000, 2000), w
print("  manifest: campaign %s v%d, trigger %s at %d, window [%d, %d]" % (
    m["campaign"]["id"], m["campaign"]["version"], m["trigger"]["kind"], m["trigger"]["time_ms"], w["from_ms"], w["to_ms"]))
assert m["parts"], "no parts"
for p in m["parts"]:
    data = open(os.path.join(d, p["name"]), "rb").read()
    h = hashlib.sha256(data).hexdigest()
    assert h == p["sha256"] and len(data) == p["size"], (p["name"], h, p["sha256"])
    print("  part %s: %d bytes, %s records, SHA-256 matches the manifest" % (p["name"], p["size"], p.get("records")))
clip = [p for p in m["parts"] if p["name"] == "streams/camera-1/clip.webm"]
assert clip, "no camera clip in the bundle: missing %s" % m["missing"]
clip = clip[0]
assert clip["data_class"] == "camera" and clip["first_frame_ns"] // 1000000 <= m["trigger"]["time_ms"], clip
out = subprocess.run(["gst-discoverer-1.0", os.path.join(d, clip["name"])], capture_output=True, text=True).stdout
assert "video #1: VP8" in out and "Width: 320" in out and "Height: 240" in out, out
dur = [l for l in out.splitlines() if "Duration:" in l][0].split("Duration:")[1].strip()
h, mi, s = dur.split(":")
seconds = int(h) * 3600 + int(mi) * 60 + float(s)
# The whole post-trigger window, and pre + post at most (a segment more
# before); less before the trigger when the ring had not yet run that long.
assert 1.8 <= seconds <= 5 + 2 + 1.5, seconds
print("  clip: %d bytes, VP8 320x240, %.2f s, first frame %d ns, decodes (gst-discoverer-1.0)" % (
    clip["size"], seconds, clip["first_frame_ns"]))
PY

say "a short message over MQTT (speed-trace, a periodic signal window)"
msg=$(sub -i fleet-data -t "$topic/data/#" -C 1 -W 20 -F '%t %l bytes') || ddi_fail "no short message over MQTT"
echo "  fleet reads: $msg"
grep -q "^$topic/data/telemetry " <<< "$msg" || ddi_fail "unexpected topic: $msg"

# --- a metered link: bulk waits -----------------------------------------------
say "the link becomes metered; the vehicle parks (parked-check: a bulk-priority bundle)"
ctl vehicle set Vehicle.Connectivity.IsMetered=true >/dev/null
ctl vehicle set Vehicle.Speed=0 Vehicle.Acceleration.Longitudinal=0 Vehicle.Powertrain.Transmission.SelectedGear=126 >/dev/null
# The status call reaches the store after the bulk scheduler was poked for
# the new item: pending there and not leased means it waits.
bulk_waiting() {
  ctl gathering status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
bulk = sum(c["by_priority"].get("bulk", {}).get("items", 0) for c in s["classes"])
sys.exit(0 if bulk == 1 and s["leased"] == 0 else 1)'
}
ddi_wait_for 20 "bulk bundle waiting in the store" bulk_waiting
[ "$(verified)" = 1 ] || ddi_fail "a bulk item went over the metered link"
echo "  the bulk bundle waits in the store (metered link); uploads at the server: $(verified)"
say "the link becomes unmetered"
ctl vehicle set Vehicle.Connectivity.IsMetered=false >/dev/null
ddi_wait_for 30 "the bulk bundle at the tus server" uploaded 2
echo "  uploaded: $(tail -1 uploads/verified.log)"
say "conduitctl gathering status"
ctl gathering status | sed 's/^/  /'

# --- a restart ----------------------------------------------------------------
say "conduitd stops: the vehicle says offline; it starts again with its campaigns"
ddi_stop_host
st=$(mosquitto_sub -h 127.0.0.1 -p "$port" -t "$topic/status" -C 1 -W 10) || ddi_fail "no status retained"
echo "  fleet reads on status: $st"
[ "$st" = offline ] || ddi_fail "status is $st after conduitd stopped"
ddi_start_host conduit.conf
ctl gathering campaigns | grep -q "^hard-braking " || ddi_fail "hard-braking is gone after the restart"
echo "  campaigns after the restart: $(ctl gathering campaigns | awk '/^[a-z]/ {print $1}' | tr '\n' ' ')"
say "fleet publishes hard-braking again"
publish -f hard-braking.signed.json
expect_response hard-braking already-have
ok=1
echo "PASS"
