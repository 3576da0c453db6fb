#!/usr/bin/env bash
# DDI flows against conduit-devserver on loopback, with a real conduitd and
# the example ECU agent: maintenance window, cancel before install,
# download-only (the server closes the action: 410 afterwards), and a
# confirmation the driver denies. Each scenario reacts to the host's D-Bus
# events (conduitctl watch) and checks what the server received.
# Usage: ddi_scenarios.sh BUILD_DIR
set -euo pipefail
if [ -z "${CONDUIT_E2E_BUS:-}" ]; then
  export CONDUIT_E2E_BUS=1
  exec dbus-run-session -- "$0" "$@"
fi
build=$(cd "$1" && pwd)
bin=$build/bin
work=$(mktemp -d /tmp/conduit-ddi-scenarios.XXXXXX)
cleanup() {
  kill "${host_pid:-}" "${server_pid:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${ok:-0}" = 1 ]; then rm -rf "$work"; else echo "(logs kept in $work)"; tail -20 "$work/conduitd.log" 2>/dev/null; fi
}
trap cleanup EXIT
cd "$work"
mkdir -p state agent-config images agents
ctl() { "$bin/conduitctl" "$@" --session; }
sed "s|\"library\": \"|\"library\": \"$build/lib/conduit/agents/|" "$build/lib/conduit/agents/example-ecu.json" > agents/example-ecu.json
echo '{"devices": "gw-1:gateway,ecu-1:brake"}' > agent-config/io.conduit.example.ecu.json

"$bin/conduit-repo" init --repo repo --seed 07 >/dev/null
for v in 2 3 4 5; do
  for dev in gw-1:gateway:0 ecu-1:brake:1; do
    IFS=: read -r id hw phase <<< "$dev"
    head -c 500000 /dev/urandom > "images/$id-$v.img"
    "$bin/conduit-repo" add-target --repo repo "images/$id-$v.img" --hardware-id "$hw" --release-counter "$v" --phase "$phase" >/dev/null
  done
done
"$bin/conduitctl" provision --state state/trust.json \
  --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json >/dev/null
release() { # version: assign to both ECUs, sign, publish (the server serves www)
  for id in gw-1 ecu-1; do "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-$1.img" >/dev/null; done
  "$bin/conduit-repo" sign --repo repo >/dev/null
  rm -rf www.new && "$bin/conduit-repo" publish --repo repo --out www.new >/dev/null
  rm -rf www/director www/image && mkdir -p www && mv www.new/director www.new/image www/
}
release 2
"$bin/conduit-devserver" --port 0 --repo www --poll-sleep 00:00:01 > server.out 2> server.log &
server_pid=$!
for _ in $(seq 100); do grep -q listening server.out 2>/dev/null && break; sleep 0.05; done
server=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' server.out | head -1)
cat > conduit.conf <<CONF
[host]
state_dir = state
[agents]
config_dir = agent-config
dirs = agents
[ddi]
server = $server
controller_id = car-9
director_url = $server/repo/director/
image_url = $server/repo/image/
plain_http = true
CONF
"$bin/conduitd" --config conduit.conf 2>conduitd.log &
host_pid=$!
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.05; done

deploy() { # version extra-json
  curl -sf -X POST "$server/admin/deployments" -d "{\"controller\":\"car-9\",$2\"chunks\":[
    {\"part\":\"ecus\",\"version\":\"$1\",\"artifacts\":[\"$work/images/gw-1-$1.img\",\"$work/images/ecu-1-$1.img\"]}]}" \
    | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1
}
feedback() { curl -sf "$server/admin/feedback?action=$1"; }
versions() { ctl agents | awk 'NR > 1 {print $1 "=" $4}' | sort | tr '\n' ' '; }
fail() { echo "FAIL: $*"; exit 1; }
# follow EVENT-HANDLER: runs the handler on each host event until the campaign ends; echoes the outcome
follow() {
  timeout 60 "$bin/conduitctl" watch --follow --json --session | while read -r event; do
    "$1" "$event"
    case "$event" in *'"event":"finished"'*) sed -n 's/.*"outcome":"\([a-z-]*\)".*/\1/p' <<< "$event"; break ;; esac
  done
}

echo "== maintenance window: download now, install once the server opens the window"
ctl auto-consent on >/dev/null
action=$(deploy 2 '"maintenanceWindow":"unavailable",')
on_window() {
  case "$1" in *'Waiting for the maintenance window'*|*'Download only'*)
    echo "  host waits: $(sed -n 's/.*"unmet":\["\([^"]*\)".*/\1/p' <<< "$1")" >&2
    curl -sf -X POST "$server/admin/actions/$action/maintenance" -d '{"maintenanceWindow":"available"}' >/dev/null ;;
  esac
}
outcome=$(follow on_window)
[ "$outcome" = success ] || fail "maintenance window: $outcome"
[ "$(versions)" = "ecu-1=ecu-1-2.img gw-1=gw-1-2.img " ] || fail "maintenance window: $(versions)"
feedback "$action" | grep -q '"execution":"scheduled"' || fail "no scheduled feedback while waiting for the window"
echo "  installed after the window opened; the server saw 'scheduled' while it waited"

echo "== the server cancels before the installation: accepted, nothing changes"
ctl auto-consent off >/dev/null
release 3
action=$(deploy 3 '"download":"attempt","update":"attempt",')
on_cancel() {
  case "$1" in
    *'"event":"consent"'*'"kind":"download"'*) ctl consent accept download >/dev/null ;;
    *'"event":"consent"'*'"kind":"install"'*)
      echo "  staged; the server cancels action $action" >&2
      curl -sf -X POST "$server/admin/actions/$action/cancel" >/dev/null ;;
  esac
}
outcome=$(follow on_cancel)
[ "$outcome" = cancelled ] || fail "cancel: $outcome"
[ "$(versions)" = "ecu-1=ecu-1-2.img gw-1=gw-1-2.img " ] || fail "cancel: $(versions)"
feedback "$action" | grep -q '"channel":"cancel"' || fail "no cancel feedback"
feedback "$action" | grep -q '"execution":"closed","result":{"finished":"success"}' || fail "cancel not accepted with closed/success"
echo "  cancel accepted (closed/success on the cancel channel); devices still on 2"

echo "== download only: staged, reported 'downloaded'; the server closes the action (410), nothing installed"
release 4
ctl auto-consent on >/dev/null
action=$(deploy 4 '"update":"skip",')
noop() { :; }
outcome=$(follow noop)
[ "$outcome" = cancelled ] || fail "download-only: $outcome"
[ "$(versions)" = "ecu-1=ecu-1-2.img gw-1=gw-1-2.img " ] || fail "download-only installed something: $(versions)"
feedback "$action" | grep -q '"execution":"downloaded"' || fail "no downloaded feedback"
feedback "$action" | grep -q '"httpStatus":410' || fail "the server never answered 410"
after410=$(feedback "$action" | grep -o '"httpStatus":410' | wc -l)
[ "$after410" -eq 1 ] || fail "feedback continued after 410 ($after410 answers of 410)"
echo "  'downloaded' reported; one 410 and then silence; devices still on 2"

echo "== confirmation required, the driver denies it"
ctl auto-consent off >/dev/null
release 5
action=$(deploy 5 '"confirmationRequired":true,')
on_deny() { case "$1" in *'"event":"consent"'*) ctl consent decline >/dev/null ;; esac; }
outcome=$(follow on_deny)
[ "$outcome" = declined ] || fail "deny: $outcome"
feedback "$action" | grep -q '"confirmation":"denied"' || fail "no denied confirmation at the server"
echo "  the server received confirmation: denied"
echo
echo "ddi scenarios: 4 passed, 0 failed"
ok=1
