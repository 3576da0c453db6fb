#!/usr/bin/env bash
# [download] bandwidth_limit_kib holds for a real DDI campaign: conduitd
# downloads the two 1 MiB images (2 MiB together, in parallel) with a limit
# of 512 KiB/s over all its downloads, so they cannot arrive in less than
# 3 s after the first byte (4 s at the limit, less the bucket's first
# burst). Bounded from below only: a slow machine only takes longer. The
# server's own count says every byte went over the network (nothing was
# staged before).
# Usage: ddi_bandwidth.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ddi-bandwidth

ddi_example_vehicle
IMAGE_BYTES=$((1 << 20)) ddi_example_repo 12 2
ddi_example_release 2
ddi_start_server --repo www --poll-sleep 00:00:01
ddi_example_conf conduit.conf car-5 'plain_http = true'
printf '[download]\nbandwidth_limit_kib = 512\nmax_parallel = 2\n' >> conduit.conf
ddi_start_host conduit.conf

sent() { curl -sf "$server/admin/stats" | python3 -c 'import json,sys; print(sum(a["bytesSent"] for a in json.load(sys.stdin)["artifacts"]))'; }

echo "== 2 MiB at 512 KiB/s"
ctl auto-consent on >/dev/null
ddi_example_deploy car-5 2 >/dev/null
on_event() {
  case "$1" in
    *'"event":"progress"'*) [ -e first-byte ] || date +%s%N > first-byte ;;
    *'"state":"AwaitingInstallConsent"'* | *'"state":"WaitingForConditions"'* | *'"state":"Installing"'*)
      [ -e downloaded ] || date +%s%N > downloaded ;;
  esac
}
outcome=$(ddi_follow on_event 60)
[ "$outcome" = success ] || ddi_fail "campaign: outcome $outcome"
[ -e first-byte ] && [ -e downloaded ] || ddi_fail "no download was seen"
ms=$(( ($(cat downloaded) - $(cat first-byte)) / 1000000 ))
bytes=$(sent)
echo "  $bytes bytes downloaded in $ms ms ($(( bytes * 1000 / (ms > 0 ? ms : 1) / 1024 )) KiB/s)"
[ "$bytes" -ge $((2 << 20)) ] || ddi_fail "the server sent only $bytes bytes"
[ "$ms" -ge 3000 ] || ddi_fail "2 MiB arrived in $ms ms: the 512 KiB/s limit was not applied"
ok=1
echo "ok: the bandwidth limit holds"
