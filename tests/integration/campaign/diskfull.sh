#!/usr/bin/env bash
# The disk fills up while the devices commit (docs/campaign-engine.md,
# "Commit pending"): the agent cannot write its devices' state from the
# first commit on. The host must flag every device, report the commit as
# pending, keep the journal, and, once there is room again, commit at the
# next start and record the success.
# Usage: diskfull.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/campaign_fixture.sh"
fail() { echo "FAIL: $*"; cat "$st.log"; exit 1; }

st=$work/state
# The 7th write of a device state is the first commit's (3 staged, 3 activated).
set +e
fs_host "$st" FAULTFS_PATH="$st/agents/*.state.tmp" FAULTFS_OPS=open FAULTFS_AT=7 FAULTFS_TIMES=0 FAULTFS_ACTION=enospc -- >/dev/null
rc=$?
set -e
[ $rc -eq 4 ] || fail "the first life should end with the commit pending (exit 4), got $rc"
r=$(report "$st")
[ "$(field devices "$r")" = "ecu-1=2.0.0/activated ecu-2=2.0.0/activated gw-1=2.0.0/activated" ] || fail "devices: $r"
[ "$(field outcome "$r")" = failed ] && [ "$(field step "$r")" = commit ] || fail "result: $r"
[ "$(field flagged "$r")" = "gw-1 ecu-1 ecu-2" ] || fail "flagged: $r"
[ -s "$st/journal" ] || fail "the journal was compacted with the commit pending"

run_host "$st" >/dev/null || fail "the second life (room again) failed"
r=$(report "$st")
[ "$(field devices "$r")" = "ecu-1=2.0.0/idle ecu-2=2.0.0/idle gw-1=2.0.0/idle" ] || fail "devices after the retry: $r"
[ "$(field outcome "$r")" = success ] && [ "$(field history "$r")" = 2 ] || fail "result after the retry: $r"
[ ! -s "$st/journal" ] || fail "the journal was not compacted after the commit"
echo "diskfull: commit pending reported with all devices flagged, committed at the next start"
