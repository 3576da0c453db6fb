#!/usr/bin/env bash
# The driver cancels while the images download (conduitctl cancel, the
# D-Bus Cancel): the downloads stop at once, not after the last byte. The
# server sends the artifacts at 64 KiB/s, so the two 500 kB images would
# take 15 s; the campaign must end cancelled with most of the bytes never
# sent (the server's own count), and nothing installed. The cancel comes
# once 300 kB went to the first device (CANCEL_AFTER=bytes to change it),
# while the second image downloads ahead of its transfer.
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
        date +%s%N > cancelled
        ctl cancel --reason "driver changed their mind" >/dev/null
      fi ;;
  esac
}
outcome=$(ddi_follow on_progress 60)
ended=$(date +%s%N)
[ -e cancelled ] || ddi_fail "no download progress was seen before the campaign ended ($outcome)"
[ "$outcome" = cancelled ] || ddi_fail "cancel: outcome $outcome"
bytes=$(sent)
ms=$(( (ended - $(cat cancelled)) / 1000000 ))
echo "  cancelled after $ms ms; the server sent $bytes of $total bytes"
[ "$bytes" -lt "$total" ] || ddi_fail "the whole images were downloaded after the cancel ($bytes of $total bytes)"
[ "$(ddi_example_versions)" = "$before" ] || ddi_fail "cancel changed the devices: $before -> $(ddi_example_versions)"
echo "ok: the cancel stopped the downloads"
