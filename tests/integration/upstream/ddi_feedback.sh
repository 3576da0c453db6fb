#!/usr/bin/env bash
# What the fleet server sees is true: a real conduitd and the example ECU
# agent against conduit-devserver, each scenario checked on the server's
# side (what it recorded, what it answered, in which order; hawkBit's
# statuses: 404 before confirmation, 410 after closed, DOWNLOADED):
#   - a download-only action is not put to the driver, ends DOWNLOADED, and nothing follows
#   - a forced action outside its maintenance window is not put to the driver
#     and installs once the window opens; every step message reaches the
#     server; configData follows the new versions
#   - an image that does not match its signed hash: no `downloaded`, the
#     attack is named to the server, in the result and the history
#   - a cancel while downloading: no `downloaded`, nothing after the cancel
#   - a confirmation the driver gives by hand: nothing reaches deploymentBase
#     (no download, no feedback) before the server offers the action there
#   - an action waiting for confirmation that the host refuses: `denied`
#     with the reason, once, nothing to deploymentBase
#   - a deployment the host cannot read: closed/failure, once
#   - an artifact no signed target names: ignored and listed (refused with strict_artifacts)
#   - conduitctl watch attached after the question was asked shows it
# Usage: ddi_feedback.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ddi-feedback

ddi_example_vehicle
ddi_example_repo 11 2 3 4 5 6 7
# What the Director signs now; forward only (a scenario run alone after
# others keeps the newer release).
release() { [ "${current:-0}" -ge "$1" ] || { ddi_example_release "$1"; current=$1; }; }
release 2
ddi_start_server --repo www --poll-sleep 00:00:01
ddi_example_conf conduit.conf car-f 'plain_http = true'
ddi_start_host conduit.conf
ctl auto-consent off >/dev/null

fail() { ddi_fail "$@"; }
deploy() { ddi_example_deploy car-f "$@"; }
records() { ddi_feedback_records "$1"; }
deployment_records() { records "$1" | grep '"channel":"deployment"' || true; }
seq_of() { grep -o '"sequence":[0-9]*' <<< "$1" | head -1 | cut -d: -f2; }
action_status() { curl -sf "$admin/admin/actions/$1" | sed -n 's/.*"status":"\([A-Z_]*\)".*/\1/p'; }
# The server's own events for action $1 (GET /admin/feedback: "server"), a line each.
server_events() { ddi_feedback "$1" | sed 's/.*"server":\[//; s/\].*//; s/},{/}\n{/g' | grep '"event"' || true; }
polls() { curl -sf "$admin/admin/config-data?controller=car-f" | sed -n 's/.*"polls":\([0-9]*\).*/\1/p'; }
more_polls() { [ "$(polls)" -ge "$1" ]; }

# Every message the server received for action $1 was taken (200), and the
# last deployment record is $2 (the action's last word): nothing after it.
check_taken_and_last() {
  local action=$1 last=$2 all
  all=$(records "$action")
  [ -n "$all" ] || fail "action $action: the server received nothing"
  if grep -v '"httpStatus":200' <<< "$all"; then fail "action $action: the server refused the feedback above"; fi
  grep -q "\"execution\":\"$last\"" <<< "$(deployment_records "$action" | tail -1)" ||
    fail "action $action: the last deployment feedback is not $last: $(deployment_records "$action" | tail -2)"
  [ "$(deployment_records "$action" | grep -c "\"execution\":\"$last\"")" = 1 ] || fail "action $action: $last sent more than once"
}

# The driver accepts every question (and says so).
accept_all() {
  case "$1" in *'"event":"consent"'*)
    kind=$(sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p' <<< "$1")
    echo "  the driver is asked: $kind" >&2
    ddi_accept "$kind" ;;
  esac
}
no_consent() { case "$1" in *'"event":"consent"'*) echo "  the driver was asked: $1" >&2; exit 1 ;; esac; }

scenario_download_only() {
  echo "== download only: the driver is not asked; DOWNLOADED at the server, nothing installed, nothing after"
  release 2
  before=$(ddi_example_versions)
  action=$(deploy "$current" '"update":"skip",')
  outcome=$(ddi_follow no_consent)
  [ "$outcome" = cancelled ] || fail "download only: outcome '$outcome'"
  [ "$(ddi_example_versions)" = "$before" ] || fail "download only installed: $(ddi_example_versions)"
  check_taken_and_last "$action" downloaded
  [ "$(action_status "$action")" = DOWNLOADED ] || fail "download only: the server's status is $(action_status "$action")"
  echo "  DOWNLOADED, every message taken, devices unchanged ($before)"
}

scenario_forced_outside_window() {
  echo "== forced, outside the maintenance window: not asked; installs when the window opens; every step reported"
  release 3
  action=$(deploy "$current" '"download":"forced","update":"forced","maintenanceWindow":"unavailable",')
  on_window() {
    no_consent "$1"
    case "$1" in *'Waiting for the maintenance window'*)
      curl -sf -X POST "$admin/admin/actions/$action/maintenance" -d '{"maintenanceWindow":"available"}' >/dev/null ;;
    esac
  }
  outcome=$(ddi_follow on_window)
  [ "$outcome" = success ] || fail "forced outside the window: outcome '$outcome'"
  [ "$(ddi_example_versions)" = "ecu-1=ecu-1-$current.img gw-1=gw-1-$current.img " ] || fail "forced: $(ddi_example_versions)"
  check_taken_and_last "$action" closed
  for step in 'installing phase 1 of 2' 'installing phase 2 of 2' Activating Verifying Committing; do
    deployment_records "$action" | grep -q "\"details\":\[\"$step\"\]" || fail "step message '$step' never reached the server"
  done
  deployment_records "$action" | grep -q '"execution":"downloaded"' || fail "no downloaded before the installation"
  echo "  installed without a question; phases 1 and 2, Activating, Verifying, Committing all at the server"
  config_has() { curl -sf "$admin/admin/config-data?controller=car-f" | grep -q "\"gw-1.version\":\"$1\""; }
  ddi_wait_for 20 "configData with gw-1-$current.img" config_has "gw-1-$current.img"
  echo "  configData sent again after the update: gw-1.version = gw-1-$current.img"
}

scenario_corrupt_image() {
  echo "== an image that is not the signed one: no downloaded; the attack is named to the server, in the result and history"
  ctl auto-consent on >/dev/null # not about consent
  release 4
  action=$(deploy "$current" '"update":"skip",')
  curl -sf -X POST "$admin/admin/faults" -d "{\"faults\":[\"path=/DEFAULT/controller/v1/car-f/softwaremodules,corrupt=1000\"]}" >/dev/null
  on_result() { case "$1" in *'"event":"finished"'*) echo "$1" > result.json ;; esac; }
  outcome=$(ddi_follow on_result)
  curl -sf -X DELETE "$admin/admin/faults" >/dev/null
  [ -n "$outcome" ] && [ "$outcome" != success ] || fail "corrupt image: outcome '$outcome'"
  if deployment_records "$action" | grep -q '"execution":"downloaded"'; then fail "a failed download reported as downloaded"; fi
  check_taken_and_last "$action" closed
  closing=$(deployment_records "$action" | tail -1)
  grep -q '"finished":"failure"' <<< "$closing" && grep -q 'refused as an attack' <<< "$closing" ||
    fail "the server was not told of the attack: $(deployment_records "$action" | tail -1)"
  grep -q 'refused as an attack' result.json || fail "the result does not name the attack: $(cat result.json)"
  if grep -q 'started over' result.json; then fail "the result still says the download started over: $(cat result.json)"; fi
  ctl history | head -1 | grep -q 'refused as an attack' || fail "the history does not name the attack: $(ctl history | head -1)"
  [ "$(action_status "$action")" = ERROR ] || fail "corrupt image: the server's status is $(action_status "$action")"
  ctl auto-consent off >/dev/null
  echo "  closed/failure '…refused as an attack' at the server (ERROR), in the result and the history; no downloaded"
}

scenario_cancel_while_downloading() {
  echo "== the server cancels while the images download: no downloaded, nothing after the accepted cancel"
  ctl auto-consent on >/dev/null # not about consent
  release 4
  action=$(deploy "$current" '"update":"skip",')
  curl -sf -X POST "$admin/admin/faults" -d "{\"faults\":[\"path=/DEFAULT/controller/v1/car-f/softwaremodules,throttle=40k\"]}" >/dev/null
  on_download() {
    case "$1" in *'"event":"state","state":"Downloading"'*)
      curl -sf -X POST "$admin/admin/actions/$action/cancel" >/dev/null ;;
    esac
  }
  outcome=$(ddi_follow on_download)
  curl -sf -X DELETE "$admin/admin/faults" >/dev/null
  [ "$outcome" = cancelled ] || fail "cancel while downloading: outcome '$outcome'"
  if deployment_records "$action" | grep -q '"execution":"downloaded"'; then fail "a cancelled download reported as downloaded"; fi
  cancel=$(records "$action" | grep '"channel":"cancel"' || true)
  grep -q '"execution":"closed","result":{"finished":"success"}' <<< "$cancel" || fail "cancel not accepted: $cancel"
  last_deployment=$(deployment_records "$action" | tail -1)
  [ -z "$last_deployment" ] || [ "$(seq_of "$last_deployment")" -lt "$(seq_of "$cancel")" ] ||
    fail "deployment feedback after the accepted cancel: $last_deployment"
  if records "$action" | grep -v '"httpStatus":200'; then fail "the server refused feedback of the cancelled action"; fi
  [ "$(action_status "$action")" = CANCELED ] || fail "cancel: the server's status is $(action_status "$action")"
  ctl auto-consent off >/dev/null
  echo "  cancel accepted; no downloaded, no feedback after it, every message taken (CANCELED)"
}

scenario_confirmed_by_hand() {
  echo "== the driver confirms by hand: nothing at deploymentBase before the server offers the action there"
  release 5
  action=$(deploy "$current" '"confirmationRequired":true,"download":"attempt","update":"attempt",')
  outcome=$(ddi_follow accept_all)
  [ "$outcome" = success ] || fail "confirmed by hand: outcome '$outcome'"
  check_taken_and_last "$action" closed
  confirmation=$(records "$action" | grep '"channel":"confirmation"' || true)
  grep -q '"confirmation":"confirmed"' <<< "$confirmation" || fail "no confirmation: $confirmation"
  offered=$(server_events "$action" | grep '"event":"deploymentBase"' | head -1 || true)
  first_download=$(server_events "$action" | grep '"event":"download"' | head -1 || true)
  first_feedback=$(deployment_records "$action" | head -1)
  [ -n "$offered" ] || fail "the host downloaded and reported without the server offering the action under deploymentBase"
  [ "$(seq_of "$confirmation")" -lt "$(seq_of "$offered")" ] || fail "deploymentBase handed out before the confirmation"
  [ "$(seq_of "$offered")" -lt "$(seq_of "$first_download")" ] || fail "a download before the action was offered under deploymentBase"
  [ "$(seq_of "$offered")" -lt "$(seq_of "$first_feedback")" ] || fail "deployment feedback before the action was offered: $first_feedback"
  echo "  confirmation ($(seq_of "$confirmation")) < deploymentBase ($(seq_of "$offered")) < download ($(seq_of "$first_download")), feedback ($(seq_of "$first_feedback")); all taken"
}

scenario_refused_waiting_confirmation() {
  echo "== an action waiting for confirmation that the host refuses: denied with the reason, once"
  ddi_deploy "{\"controller\":\"car-f\",\"confirmationRequired\":true,\"chunks\":[{\"part\":\"ecus\",\"version\":\"6\",\"artifacts\":[
    {\"path\":\"$work/images/gw-1-$current.img\",\"hashes\":{\"sha256\":\"$(printf '0%.0s' $(seq 64))\"}}]}]}" > action.id
  action=$(cat action.id)
  denied() { records "$action" | grep -q '"confirmation":"denied"'; }
  ddi_wait_for 30 "denied confirmation at the server" denied
  ddi_wait_for 30 "three more polls" more_polls $(($(polls) + 3))
  confirmation=$(records "$action" | grep '"channel":"confirmation"' || true)
  [ "$(wc -l <<< "$confirmation")" = 1 ] || fail "refused more than once: $confirmation"
  grep -q 'matches no target signed for this vehicle: refused as an attack' <<< "$confirmation" || fail "no reason with the denial: $confirmation"
  [ -z "$(deployment_records "$action")" ] || fail "feedback to deploymentBase for an unconfirmed action: $(deployment_records "$action")"
  [ "$(action_status "$action")" = WAIT_FOR_CONFIRMATION ] || fail "refused: the server's status is $(action_status "$action")"
  curl -sf -X POST "$admin/admin/actions/$action/cancel" >/dev/null
  canceled() { [ "$(action_status "$action")" = CANCELED ]; }
  ddi_wait_for 30 "the host's answer to the cancel" canceled
  echo "  one 'denied' with the reason, nothing at deploymentBase; the server's cancel then closed it"
}

scenario_unreadable_deployment() {
  echo "== a deployment the host cannot read: closed/failure, once"
  cp images/gw-1-5.img 'images/gw-1..img'
  action=$(ddi_deploy "{\"controller\":\"car-f\",\"chunks\":[{\"part\":\"ecus\",\"version\":\"7\",\"artifacts\":[\"$work/images/gw-1..img\"]}]}")
  closed() { [ "$(action_status "$action")" = ERROR ]; }
  ddi_wait_for 30 "the host's refusal" closed
  ddi_wait_for 30 "three more polls" more_polls $(($(polls) + 3))
  check_taken_and_last "$action" closed
  deployment_records "$action" | grep -q 'cannot be read.*unsafe file name' || fail "no clear reason: $(deployment_records "$action")"
  echo "  closed/failure: $(deployment_records "$action" | grep -o 'cannot be read[^\]*' | head -1)"
}

scenario_extra_artifacts() {
  echo "== an artifact no signed target names (a detached .sig): ignored and listed; strict_artifacts refuses it"
  release 6
  head -c 300 /dev/urandom > images/ecus-6.sig
  extra_deploy() {
    ddi_deploy "{\"controller\":\"car-f\",\"chunks\":[{\"part\":\"ecus\",\"version\":\"6\",\"artifacts\":[
      \"$work/images/gw-1-$current.img\",\"$work/images/ecu-1-$current.img\",\"$work/images/ecus-6.sig\"]}]}"
  }
  action=$(extra_deploy)
  outcome=$(ddi_follow no_consent)
  [ "$outcome" = success ] || fail "extra artifact: outcome '$outcome'"
  check_taken_and_last "$action" closed
  deployment_records "$action" | grep -q 'ignored (no signed target, never downloaded): artifact ecus-6.sig (300 bytes' ||
    fail "the ignored artifact is not listed: $(deployment_records "$action" | head -2)"
  if server_events "$action" | grep -q 'ecus-6.sig'; then fail "the ignored artifact was downloaded"; fi
  echo "  installed; 'ecus-6.sig' listed as ignored and never downloaded"
  ddi_stop_host
  ddi_example_conf strict.conf car-f 'plain_http = true' 'strict_artifacts = true'
  ddi_start_host strict.conf
  action=$(extra_deploy)
  refused() { [ "$(action_status "$action")" = ERROR ]; }
  ddi_wait_for 30 "the strict host's refusal" refused
  deployment_records "$action" | tail -1 | grep -q 'artifact ecus-6.sig (300 bytes.*refused as an attack' ||
    fail "strict: no attack reported: $(deployment_records "$action" | tail -1)"
  ddi_stop_host
  ddi_start_host conduit.conf
  echo "  strict_artifacts = true: the same action closed/failure '…ecus-6.sig … refused as an attack'"
}

scenario_watch_after_question() {
  echo "== conduitctl watch attaches after the driver was asked: it starts with the open question"
  release 7
  action=$(deploy "$current" '"download":"attempt","update":"attempt",')
  asked() { ctl status --json | grep -q '"pending_consent": "download"'; }
  ddi_wait_for 30 "the download question" asked
  outcome=$(ddi_follow accept_all)
  [ "$outcome" = success ] || fail "watch after the question: outcome '$outcome'"
  check_taken_and_last "$action" closed
  echo "  the question asked before watch attached was shown and answered; installed"
}

# DDI_FEEDBACK_SCENARIOS="a b" runs only those (e.g. to see one fail before a fix).
all="download_only forced_outside_window corrupt_image cancel_while_downloading confirmed_by_hand refused_waiting_confirmation unreadable_deployment extra_artifacts watch_after_question"
scenarios=${DDI_FEEDBACK_SCENARIOS:-$all}
for s in $scenarios; do "scenario_$s"; done

echo
echo "ddi feedback: $(wc -w <<< "$scenarios") passed, 0 failed"
ok=1
