#!/usr/bin/env bash
# DDI flows against conduit-devserver on loopback, with a real conduitd and
# the example ECU agent: maintenance window, cancel before install,
# download-only (downloaded is the last word: DOWNLOADED at the server), a
# confirmation the driver denies, and the server's cancels that come too
# late (DDI: accepted until the installation starts): while a device
# installs, and while devices are being activated, the cancel is refused
# and the update completes. Each scenario reacts to the host's D-Bus events (conduitctl
# watch) and checks what the server received.
# Usage: ddi_scenarios.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ddi-scenarios

ddi_example_vehicle
ddi_example_repo 07 2 3 4 5 6 7
ddi_example_release 2
ddi_start_server --repo www --poll-sleep 00:00:01
# The hold files (below) are in a directory the example agent's compartment
# is granted, as an integrator would grant it one.
mkdir -p "$work/hold"
ddi_example_conf conduit.conf car-9 'plain_http = true' '[agent-paths]' "io.conduit.example.ecu = rw:$work/hold"
ddi_start_host conduit.conf

deploy() { ddi_example_deploy car-9 "$@"; }
feedback() { ddi_feedback "$1"; }
versions() { ddi_example_versions; }
fail() { ddi_fail "$@"; }
follow() { ddi_follow "$1"; }

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
ddi_example_release 3
action=$(deploy 3 '"download":"attempt","update":"attempt",')
on_cancel() {
  case "$1" in
    *'"event":"consent"'*'"kind":"download"'*) ddi_accept download ;;
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

echo "== download only: staged, reported 'downloaded' (the server closes the action: DOWNLOADED), nothing installed, then silence"
ddi_example_release 4
ctl auto-consent on >/dev/null
action=$(deploy 4 '"update":"skip",')
noop() { :; }
outcome=$(follow noop)
[ "$outcome" = cancelled ] || fail "download-only: $outcome"
[ "$(versions)" = "ecu-1=ecu-1-2.img gw-1=gw-1-2.img " ] || fail "download-only installed something: $(versions)"
ddi_feedback_records "$action" | tail -1 | grep -q '"execution":"downloaded"' || fail "downloaded is not the last feedback: $(feedback "$action")"
if feedback "$action" | grep -q '"httpStatus":410'; then fail "feedback after downloaded closed the action: $(feedback "$action")"; fi
curl -sf "$server/admin/actions/$action" | grep -q '"status":"DOWNLOADED"' || fail "the server's action is not DOWNLOADED"
echo "  'downloaded' reported last, nothing after it (no 410); DOWNLOADED at the server; devices still on 2"

# The next two hold a step in the example agent (hold_at) until a file
# exists, so that the server's cancel arrives while that step runs, without
# guessing how long the step takes. The agent's configuration is read when
# conduitd starts: restart it with the hold in place.
restart_with_hold() { # step
  ddi_stop_host
  ddi_example_vehicle "\"hold_at\": \"$1\", \"hold_file\": \"$work/hold/release-$1\""
  ddi_start_host conduit.conf
  ctl auto-consent on >/dev/null
}
# What the server recorded for action $1 on its cancel channel, a line per record.
cancel_feedback() { ddi_feedback_records "$1" | grep '"channel":"cancel"' || true; }
has_cancel_feedback() { [ -n "$(cancel_feedback "$1")" ]; }

# late_cancel STEP STATE VERSION REASON: the server cancels while the
# agent holds STEP (the engine in STATE); the host refuses with REASON, the
# step goes on only after the host answered, and the update completes.
late_cancel() {
  local step=$1 state=$2 version=$3 reason=$4
  restart_with_hold "$step"
  ddi_example_release "$version"
  action=$(deploy "$version")
  on_held() {
    case "$1" in *'"event":"state","state":"'"$state"'"'*)
      echo "  gw-1 is held in $step; the server cancels action $action" >&2
      curl -sf -X POST "$server/admin/actions/$action/cancel" >/dev/null
      # The host answers at its next poll; only then does the step go on.
      ddi_wait_for 30 "answer to the cancel at the server" has_cancel_feedback "$action"
      echo "  the host answered: $(cancel_feedback "$action" | sed -n 's/.*"details":\["\([^"]*\)".*/\1/p')" >&2
      touch "$work/hold/release-$step" ;;
    esac
  }
  outcome=$(follow on_held)
  [ "$outcome" = success ] || fail "cancel during $step: $outcome"
  [ "$(versions)" = "ecu-1=ecu-1-$version.img gw-1=gw-1-$version.img " ] || fail "cancel during $step: $(versions)"
  refusal=$(cancel_feedback "$action")
  grep -q '"execution":"rejected","result":{"finished":"failure"}' <<< "$refusal" || fail "cancel during $step not refused: $refusal"
  grep -q '"details":\["'"$reason"'"\]' <<< "$refusal" || fail "no reason in the refusal: $refusal"
  grep -q '"httpStatus":200' <<< "$refusal" || fail "the server did not take the refusal: $refusal"
  closing=$(ddi_feedback_records "$action" | grep '"channel":"deployment"' | grep '"execution":"closed"' || true)
  grep -q '"finished":"success"' <<< "$closing" || fail "no closed/success after the refused cancel: $(feedback "$action")"
  seq_of() { sed -n 's/.*"sequence":\([0-9]*\).*/\1/p' <<< "$1" | head -1; }
  [ "$(seq_of "$refusal")" -lt "$(seq_of "$closing")" ] || fail "the refusal came after the closing feedback"
  curl -sf "$server/admin/actions/$action" | grep -q '"state":"FINISHED"' || fail "the server's action is not FINISHED"
  echo "  cancel rejected ('$reason'), then closed/success; devices on $version"
}

echo "== the server cancels while a device installs: refused, the update completes"
late_cancel install Installing 5 "too late to cancel: devices are installing"
echo "== the server cancels while devices are being activated: refused, the update completes"
late_cancel activate Activating 6 "too late to cancel: devices are being activated"

echo "== confirmation required, the driver denies it"
ctl auto-consent off >/dev/null
ddi_example_release 7
action=$(deploy 7 '"confirmationRequired":true,')
on_deny() { case "$1" in *'"event":"consent"'*) ctl consent decline >/dev/null ;; esac; }
outcome=$(follow on_deny)
[ "$outcome" = declined ] || fail "deny: $outcome"
feedback "$action" | grep -q '"confirmation":"denied"' || fail "no denied confirmation at the server"
# Until it is confirmed the action has no deploymentBase: nothing is sent there.
early=$(ddi_feedback_records "$action" | grep '"channel":"deployment"' || true)
[ -z "$early" ] || fail "deployment feedback for an action waiting for confirmation: $early"
echo "  the server received confirmation: denied, and nothing on the deployment channel"

echo
echo "ddi scenarios: 6 passed, 0 failed"
ok=1
