#!/usr/bin/env bash
# The driver cancels while the images download (conduitctl cancel, the
# D-Bus Cancel): the downloads stop at once, not after the last byte. The
# server sends the artifacts at 64 KiB/s, so the two 500 kB images would
# take 15 s; the campaign must end cancelled with most of the bytes never
# sent (the server's own count), and nothing installed. The cancel comes
# once 300 kB went to the first device (CANCEL_AFTER=bytes to change it),
# while the second image downloads ahead of its transfer. While the cancel
# is carried out the state is Cancelling (D-Bus State), then Cancelled,
# within CANCEL_BOUND_MS (default 5000; the goal is 1 s) of the cancel;
# the server sends at most 256 KiB after it (both connections at 64 KiB/s
# for that second, and what was in flight).
# Usage: ddi_cancel.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ddi-cancel

ddi_example_vehicle
ddi_example_repo 11 2 3
ddi_example_release 3
ddi_start_server --repo www --poll-sleep 00:00:01 --fault 'path=/DEFAULT/controller/v1/car-4/softwaremodules,throttle=64k'
ddi_example_conf conduit.conf car-4 'plain_http = true'
ddi_start_host conduit.conf

sent() { curl -sf "$server/admin/stats" | python3 -c 'import json,sys; print(sum(a["bytesSent"] for a in json.load(sys.stdin)["artifacts"]))'; }
total=$((2 * 500000))

echo "== the driver cancels mid-download"
ctl auto-consent on >/dev/null
action=$(ddi_example_deploy car-4 3)
before=$(ddi_example_versions)
on_progress() {
  case "$1" in
    *'"event":"progress"'*)
      done=$(sed -n 's/^{"event":"progress","done":\([0-9]*\),.*/\1/p' <<< "$1")
      if [ "${done:-0}" -gt "${CANCEL_AFTER:-300000}" ] && [ ! -e cancelled ]; then
        echo "  $done bytes in: the driver cancels" >&2
        sent > sent-at-cancel
        date +%s%N > cancelled
        ctl cancel --reason "driver changed their mind" >/dev/null
      fi ;;
    *'"state":"Cancelling"'*) date +%s%N > cancelling ;;
    *'"state":"Cancelled"'*) date +%s%N > cancelled-state ;;
  esac
}
outcome=$(ddi_follow on_progress 60)
ended=$(date +%s%N)
[ -e cancelled ] || ddi_fail "no download progress was seen before the campaign ended ($outcome)"
[ "$outcome" = cancelled ] || ddi_fail "cancel: outcome $outcome"
[ -e cancelling ] || ddi_fail "the state Cancelling was never seen on D-Bus"
[ -e cancelled-state ] || ddi_fail "the state Cancelled was never seen on D-Bus"
# The server's count once the connections are surely closed: conduitd
# logs each download it cancelled.
ddi_wait_for 10 "cancelled download in conduitd.log" grep -q 'failed: cancelled: driver changed their mind' conduitd.log
bytes=$(sent)
after=$((bytes - $(cat sent-at-cancel)))
ms=$(( ($(cat cancelled-state) - $(cat cancelled)) / 1000000 ))
echo "  Cancelled $ms ms after the cancel; the server sent $bytes of $total bytes, $after after the cancel"
[ "$bytes" -lt "$total" ] || ddi_fail "the whole images were downloaded after the cancel ($bytes of $total bytes)"
[ "$after" -le $((256 << 10)) ] || ddi_fail "the server sent $after bytes after the cancel (at most 256 KiB)"
[ "$ms" -le "${CANCEL_BOUND_MS:-5000}" ] || ddi_fail "Cancelled came $ms ms after the cancel (bound ${CANCEL_BOUND_MS:-5000} ms)"
[ "$(ddi_example_versions)" = "$before" ] || ddi_fail "cancel changed the devices: $before -> $(ddi_example_versions)"
ok=1
echo "ok: the cancel stopped the downloads"
