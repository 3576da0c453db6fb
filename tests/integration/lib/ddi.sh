# Shared scaffolding of the DDI integration scripts (campaign/ddi_e2e.sh,
# upstream/ddi_scenarios.sh, upstream/ddi_auth.sh): a private session bus,
# a work directory kept when a script fails, conduit-devserver and conduitd
# on loopback, the example ECU vehicle, and bounded waits. Sourced, not run:
#
#   source "$(dirname "$0")/../lib/ddi.sh"
#   ddi_private_bus "$@"          # re-runs the script under dbus-run-session
#   ddi_setup "$1" conduit-NAME   # build, bin, agents, work (the cwd from now on)
#
# Variables set here: build, bin, agents, work, server, admin, server_pid,
# host_pid. A script may define ddi_before_cleanup to stop what it started
# itself; it sets ok=1 at the very end, which removes the work directory.

# conduitd publishes its control API on the session bus: give the script a
# private one, so that tests never meet another conduitd.
ddi_private_bus() {
  if [ -z "${CONDUIT_E2E_BUS:-}" ]; then
    export CONDUIT_E2E_BUS=1
    exec dbus-run-session -- "$0" "$@"
  fi
}

# ddi_setup BUILD_DIR NAME: a fresh /tmp/NAME.XXXXXX becomes the cwd.
ddi_setup() {
  build=$(cd "$1" && pwd)
  bin=$build/bin
  agents=$build/lib/conduit/agents
  work=$(mktemp -d "/tmp/$2.XXXXXX")
  trap ddi_cleanup EXIT
  cd "$work" || exit 1
}

ddi_cleanup() {
  if declare -F ddi_before_cleanup >/dev/null; then ddi_before_cleanup; fi
  kill "${host_pid:-}" "${server_pid:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${ok:-0}" = 1 ]; then rm -rf "$work"
  else echo "(logs kept in $work: conduitd.log, server.log)"; tail -20 "$work/conduitd.log" 2>/dev/null; fi
}

# Also from an event handler or a $(...): the message goes to stderr.
ddi_fail() { echo "FAIL: $*" >&2; exit 1; }

ctl() { "$bin/conduitctl" "$@" --session; }

# ddi_accept KIND: the scripted driver accepts the download or install. The
# watcher shows a question still open when it attaches and the question's
# signal may follow, so a second answer can find it answered ("no download
# consent is being asked"): not a failure, and it must not end a handler's
# loop under set -e. Any other refusal fails the test.
ddi_accept() {
  ctl consent accept "$1" >/dev/null 2>"$work/consent.err" && return 0
  grep -q 'consent is being asked' "$work/consent.err" || ddi_fail "consent accept $1: $(cat "$work/consent.err")"
}

# ddi_wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.1 s until it
# succeeds; fails the test after SECONDS. For conditions no event reports
# (a process being up, a line in a log, a record at the server).
ddi_wait_for() {
  local limit=$1 what=$2 end=$((SECONDS + $1))
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || ddi_fail "no $what within $limit s"
    sleep 0.1
  done
}

# ddi_start_server ARGS...: conduit-devserver on a free loopback port. Sets
# server (its URL), admin (where /admin is: --admin-port's URL, else server)
# and server_pid. stdout goes to server.out, the log is appended to server.log.
ddi_start_server() {
  : > server.out
  touch server.log
  server_log_mark=$(wc -l < server.log)
  "$bin/conduit-devserver" --port 0 "$@" > server.out 2>> server.log &
  server_pid=$!
  _ddi_server_lines=1
  case " $* " in *' --admin-port '*) _ddi_server_lines=2 ;; esac # "admin on URL" follows
  ddi_wait_for 20 "conduit-devserver listening" _ddi_server_up
  server=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' server.out | head -1)
  admin=$(sed -n 's/^admin on \(http[^ ]*\).*/\1/p' server.out | head -1)
  [ -n "$admin" ] || admin=$server
}

_ddi_server_up() {
  kill -0 "$server_pid" 2>/dev/null || ddi_fail "conduit-devserver exited: $(tail -3 server.log)"
  [ "$(wc -l < server.out)" -ge "$_ddi_server_lines" ]
}

ddi_stop_server() { _ddi_stop "${server_pid:-}"; server_pid=; }

# Waits (bounded) for a process this script started to end after SIGTERM.
_ddi_stop() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Returns once conduitd's control API answers on the bus.
ddi_wait_host() { ddi_wait_for 20 "conduitd on the bus" _ddi_host_up; }
_ddi_host_up() {
  [ -z "${host_pid:-}" ] || kill -0 "$host_pid" 2>/dev/null || ddi_fail "conduitd exited: $(tail -3 conduitd.log)"
  ctl status >/dev/null 2>&1
}

# ddi_start_host CONFIG: conduitd in the background, its log appended to
# conduitd.log; returns once it answers on the bus.
ddi_start_host() {
  touch conduitd.log
  host_log_mark=$(wc -l < conduitd.log)
  "$bin/conduitd" --config "$1" 2>>conduitd.log &
  host_pid=$!
  ddi_wait_host
}

ddi_stop_host() { _ddi_stop "${host_pid:-}"; host_pid=; }

# The logs of the running (or last) conduitd and conduit-devserver only.
ddi_host_log() { tail -n +$((${host_log_mark:-0} + 1)) conduitd.log; }
ddi_server_log() { tail -n +$((${server_log_mark:-0} + 1)) server.log; }

# ddi_deploy JSON: creates a deployment at the server, echoes the action id.
ddi_deploy() {
  curl -sf -X POST "$admin/admin/deployments" -d "$1" | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1
}

# Every feedback the server received for action $1 (GET /admin/feedback).
ddi_feedback() { curl -sf "$admin/admin/feedback?action=$1"; }
# The same, a line per record, in the order received:
# {"action":N,"body":{...},"channel":"deployment"|"cancel"|"confirmation","httpStatus":S,...,"sequence":N}
ddi_feedback_records() { ddi_feedback "$1" | sed 's/\],"server":\[.*//; s/{"action":/\n&/g' | grep '"channel":' || true; }

# ddi_follow HANDLER [SECONDS]: runs HANDLER EVENT on each host event (one
# JSON line of conduitctl watch) until the campaign ends, at most SECONDS
# (default 60); echoes the outcome (empty when the limit was reached or the
# handler failed: the caller's check then fails).
ddi_follow() {
  timeout "${2:-60}" "$bin/conduitctl" watch --follow --json --session | while read -r event; do
    "$1" "$event"
    case "$event" in *'"event":"finished"'*) sed -n 's/.*"outcome":"\([a-z-]*\)".*/\1/p' <<< "$event"; break ;; esac
  done || true
}

# --- the example vehicle: gw-1 (gateway, phase 0) and ecu-1 (brake, phase 1)
# on the example ECU agent, with 500 kB images in a signed Uptane repository.

# ddi_example_vehicle [EXTRA_AGENT_JSON]: the agent's manifest in agents/ and
# its configuration (EXTRA: more keys, e.g. "hold_at": "activate").
ddi_example_vehicle() {
  mkdir -p agents agent-config
  sed "s|\"library\": \"|\"library\": \"$agents/|" "$agents/example-ecu.json" > agents/example-ecu.json
  echo "{\"devices\": \"gw-1:gateway,ecu-1:brake\"${1:+, $1}}" > agent-config/io.conduit.example.ecu.json
}

# ddi_example_repo SEED VERSION...: keys and one image per device and
# version (release counter = version), and the vehicle provisioned with the
# repositories' roots. IMAGE_BYTES sets the image size (500000).
ddi_example_repo() {
  local seed=$1 v id hw phase
  shift
  mkdir -p images state
  "$bin/conduit-repo" init --repo repo --seed "$seed" >/dev/null
  for v in "$@"; do
    for dev in gw-1:gateway:0 ecu-1:brake:1; do
      IFS=: read -r id hw phase <<< "$dev"
      head -c "${IMAGE_BYTES:-500000}" /dev/urandom > "images/$id-$v.img"
      "$bin/conduit-repo" add-target --repo repo "images/$id-$v.img" --hardware-id "$hw" --release-counter "$v" --phase "$phase" >/dev/null
    done
  done
  "$bin/conduitctl" provision --state state/trust.json \
    --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json >/dev/null
}

# ddi_example_release VERSION: assigns it to both ECUs, signs and publishes
# to www/ (the server serves www/director and www/image).
ddi_example_release() {
  local id
  for id in gw-1 ecu-1; do "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-$1.img" >/dev/null; done
  "$bin/conduit-repo" sign --repo repo >/dev/null
  rm -rf www.new && "$bin/conduit-repo" publish --repo repo --out www.new >/dev/null
  rm -rf www/director www/image && mkdir -p www && mv www.new/director www.new/image www/
}

# ddi_example_deploy CONTROLLER VERSION [EXTRA_JSON]: one chunk with both
# images; echoes the action id. EXTRA: more keys, each followed by a comma.
ddi_example_deploy() {
  ddi_deploy "{\"controller\":\"$1\",${3:-}\"chunks\":[
    {\"part\":\"ecus\",\"version\":\"$2\",\"artifacts\":[\"$work/images/gw-1-$2.img\",\"$work/images/ecu-1-$2.img\"]}]}"
}

# ddi_example_conf FILE CONTROLLER [DDI_LINE...]: a conduitd configuration
# for the example vehicle and $server; DDI_LINEs are added to [ddi].
ddi_example_conf() {
  local file=$1 controller=$2 line
  shift 2
  {
    printf '[host]\nstate_dir = state\n[agents]\nconfig_dir = agent-config\ndirs = agents\n'
    printf '[ddi]\nserver = %s\ncontroller_id = %s\n' "$server" "$controller"
    printf 'director_url = %s/repo/director/\nimage_url = %s/repo/image/\n' "$server" "$server"
    for line in "$@"; do printf '%s\n' "$line"; done
  } > "$file"
}

# Versions of the example devices, e.g. "ecu-1=ecu-1-2.img gw-1=gw-1-2.img ".
ddi_example_versions() { ctl agents | awk 'NR > 1 && $0 !~ /^ / {print $1 "=" $4}' | sort | tr '\n' ' '; }
