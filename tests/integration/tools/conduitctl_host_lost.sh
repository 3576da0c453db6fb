#!/usr/bin/env bash
# conduitctl install and conduitctl watch end with an error (exit 3, the
# last known state and campaign) when conduitd leaves the bus in the middle
# of a campaign, instead of waiting forever for its signals. Real conduitd on
# a private session bus, a bundle for the example ECU agent held at its
# activate step, then SIGKILL to conduitd. Each conduitctl runs under
# `timeout`: one that hangs is reported as such, not waited for.
# Usage: conduitctl_host_lost.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ctl-host-lost
fail() { ddi_fail "$@"; }
bound=40 # seconds, for each conduitctl from its start
limit=10 # seconds, from the kill to conduitctl's exit
ddi_before_cleanup() { kill "${install_pid:-}" "${watch_pid:-}" 2>/dev/null || true; }

ddi_example_repo 43 2
for id in gw-1 ecu-1; do "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-2.img" >/dev/null; done
"$bin/conduit-repo" sign --repo repo >/dev/null
"$bin/conduit-repo" bundle --repo repo --out update.bundle >/dev/null
ddi_example_vehicle "\"hold_at\": \"activate\", \"hold_file\": \"$work/release\""
printf '[host]\nstate_dir = state\n[agents]\nconfig_dir = agent-config\ndirs = agents\n[campaign]\nauto_consent_download = true\nauto_consent_install = true\n' > conduit.conf
ddi_start_host conduit.conf

echo "== install and watch follow a campaign held at activate"
timeout "$bound" "$bin/conduitctl" install update.bundle --session > install.out 2> install.err &
install_pid=$!
ddi_wait_for 30 "install at Activating" grep -q '^state: Activating' install.out
timeout "$bound" "$bin/conduitctl" watch --session > watch.out 2> watch.err &
watch_pid=$!
ddi_wait_for 30 "watch at Activating" grep -q '^state: Activating' watch.out

echo "== SIGKILL to conduitd"
kill -KILL "$host_pid"
killed=$(date +%s%N)
wait "$host_pid" 2>/dev/null || true
host_pid=

# check NAME PID: conduitctl NAME ended by itself, soon, with exit 3 and why.
check() {
  local rc=0 ms
  wait "$2" || rc=$?
  eval "$1_pid="
  ms=$((($(date +%s%N) - killed) / 1000000))
  [ "$rc" != 124 ] || fail "conduitctl $1 still ran $bound s after it started (it hangs): $(cat "$1.out" "$1.err")"
  [ "$rc" = 3 ] || fail "conduitctl $1 exited $rc, not 3: $(cat "$1.out" "$1.err")"
  grep -q "^conduitctl $1: conduitd left the bus (io.conduit.Host) before the campaign finished; last known: state Activating, campaign ." "$1.err" ||
    fail "conduitctl $1 said: $(cat "$1.err")"
  echo "  conduitctl $1: exit $rc, reaped $ms ms after the kill: $(cat "$1.err")"
  [ "$ms" -le $((limit * 1000)) ] || fail "conduitctl $1 took $ms ms to notice"
}
check install "$install_pid"
check watch "$watch_pid"
ok=1
echo "PASS"
