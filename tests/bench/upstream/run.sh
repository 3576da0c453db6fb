#!/usr/bin/env bash
# The DDI data path through the host vs the floors, same run, loopback:
#   sink:  dev server -> Download -> StagedReader -> VerifiedStream -> runner -> sink agent
#          vs  curl -s URL | openssl dgst -sha256
#   flash: the same into the flash agent's file slot (fdatasync + read-back)
#          vs  curl -s URL | tee >(openssl dgst -sha256 >/dev/null) > slot && sync
#   download: the download alone into staging (no agent), for where the time goes
#   limit: the configured bandwidth limit against the rate achieved (LIMIT_MIBS, default 100)
# Usage: tests/bench/upstream/run.sh [build-dir]   (SIZES_MIB="256 1024", RUNS=5)
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=$(cd "${1:-build}" && pwd)
bench=$build/tests/bench/upstream/bench_upstream
work=$(mktemp -d /tmp/conduit-bench-up.XXXXXX)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for mib in ${SIZES_MIB:-256 1024}; do head -c "${mib}M" /dev/urandom > "$work/img-$mib.bin"; done
"$build/bin/conduit-devserver" --port 0 > "$work/server.out" 2>/dev/null &
server_pid=$!
for _ in $(seq 400); do grep -q listening "$work/server.out" 2>/dev/null && break; sleep 0.05; done
server=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/server.out" | head -1)
for mib in ${SIZES_MIB:-256 1024}; do
  f=$work/img-$mib.bin
  url=$(curl -sf -X POST "$server/admin/deployments" -d "{\"controller\":\"bench\",\"chunks\":[{\"part\":\"x\",\"version\":\"$mib\",\"artifacts\":[\"$f\"]}]}" \
        | grep -o '"url":"[^"]*"' | head -1 | cut -d'"' -f4)
  sha=$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)
  len=$(stat -c %s "$f")
  cat "$f" > /dev/null
  echo "== $mib MiB"
  : > "$work/sink.ratios"; : > "$work/flash.ratios"; : > "$work/rss"
  for i in $(seq "${RUNS:-5}"); do
    t0=$(date +%s.%N); curl -s "$url" | openssl dgst -sha256 >/dev/null; t1=$(date +%s.%N)
    floor=$(echo "$t1 - $t0" | bc -l)
    line=$("$bench" "$url" "$sha" "$len" sink)
    ours=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<< "$line")
    printf 'sink  run %d: floor %.3f s, host %.3f s, ratio (floor/ours) %.2f | %s\n' "$i" "$floor" "$ours" "$(echo "$floor / $ours" | bc -l)" "$line"
    echo "$floor / $ours" | bc -l >> "$work/sink.ratios"
    sed -n 's/.*host_peak_rss_kib=\([0-9]*\).*/\1/p' <<< "$line" >> "$work/rss"
    mkdir -p "$work/slots"; rm -f "$work/slot.img"
    t0=$(date +%s.%N); curl -s "$url" | tee >(openssl dgst -sha256 >/dev/null) > "$work/slot.img" && sync; t1=$(date +%s.%N)
    floor=$(echo "$t1 - $t0" | bc -l)
    line=$("$bench" "$url" "$sha" "$len" flash "$work/slots")
    ours=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<< "$line")
    printf 'flash run %d: floor %.3f s, host %.3f s, ratio (ours/floor) %.2f | %s\n' "$i" "$floor" "$ours" "$(echo "$ours / $floor" | bc -l)" "$line"
    echo "$ours / $floor" | bc -l >> "$work/flash.ratios"
    sed -n 's/.*host_peak_rss_kib=\([0-9]*\).*/\1/p' <<< "$line" >> "$work/rss"
    echo "download run $i: $("$bench" "$url" "$sha" "$len" download)"
  done
  median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
  printf '%d MiB medians: sink floor/ours %.2f (goal >= 0.9), flash ours/floor %.2f (goal <= 1.15), host peak RSS %d-%d KiB\n' "$mib" \
    "$(median < "$work/sink.ratios")" "$(median < "$work/flash.ratios")" "$(sort -n "$work/rss" | head -1)" "$(sort -n "$work/rss" | tail -1)"
  if [ "$mib" = "$(echo ${SIZES_MIB:-256 1024} | cut -d' ' -f1)" ]; then
    limit=$(( ${LIMIT_MIBS:-100} << 20 ))
    line=$(BANDWIDTH_LIMIT=$limit "$bench" "$url" "$sha" "$len" download)
    secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<< "$line")
    printf 'limit %d MiB/s: achieved %.1f MiB/s (%.3f of the limit) | %s\n' "${LIMIT_MIBS:-100}" "$(echo "$len / $secs / 1048576" | bc -l)" "$(echo "$len / $secs / $limit" | bc -l)" "$line"
  fi
done
