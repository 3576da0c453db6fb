#!/usr/bin/env bash
# Flash agent benchmarks; figures go to docs/benchmarks.md ("Flash agent").
# Usage: tests/bench/flash/run.sh [build-dir]   (default: build)
#   RUNS=5 SIZES_MIB="256 1024" DELTA_MIB=1024 to change the sizes;
#   PARTS="install delta pairs" to run only some parts; PARTS=peers (not in
#   the default: needs root, installs rauc and swupdate) runs peers.sh, the
#   side by side with RAUC and SWUpdate.
# Needs: openssl, xdelta3, bsdiff (apt-get install xdelta3 bsdiff), and the
# libssl3/openssl .debs of two Debian versions in /var/cache/apt/archives
# (or DEB_DIR) for the delta pairs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=$(realpath "${1:-build}")
bench=$build/tests/bench/flash/bench_flash
delta=$build/bin/conduit-delta
runs=${RUNS:-5}
sizes=${SIZES_MIB:-"256 1024"}
work=$(mktemp -d -p "${BENCH_TMP:-/var/tmp}" conduit-flash-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }

parts=${PARTS:-"install delta pairs"}
if [[ " $parts " == *" install "* ]]; then
echo "== Streaming install into a file slot through the real runner (median of $runs, interleaved)"
for size in $sizes; do
  img=$work/img-$size
  head -c "${size}M" /dev/urandom > "$img"
  sha=$(openssl dgst -sha256 -r "$img" | cut -d' ' -f1)
  head -c 1M /dev/urandom > "$work/a.img"
  : > "$work/floor.times"; : > "$work/ours.times"; : > "$work/write.times"; : > "$work/rss"
  for i in $(seq "$runs"); do
    rm -f "$work/b.img" "$work/slot"; sync
    cat "$img" > /dev/null # page cache warm for both sides
    t0=$(now_ms)
    bash -c "cat '$img' | tee >(openssl dgst -sha256 >/dev/null) > '$work/slot' && sync"
    echo $(( $(now_ms) - t0 )) >> "$work/floor.times"
    rm -f "$work/slot"; sync
    out=$("$bench" install "$img" "$sha" "$work" 2>/dev/null)
    echo "$out" | sed -n 's/^transfer_ms=//p' >> "$work/ours.times"
    echo "$out" | sed -n 's/^write_ms=//p' >> "$work/write.times"
    echo "$out" | sed -n 's/^runner_peak_rss_kib=//p' >> "$work/rss"
  done
  floor=$(median < "$work/floor.times"); ours=$(median < "$work/ours.times"); write=$(median < "$work/write.times")
  rss=$(sort -n "$work/rss" | tail -1)
  printf '%5d MiB: floor (cat|tee openssl>slot&&sync) %d ms | flash agent %d ms (writing %d ms, read-back verify %d ms) | ratio %.2f (writing only %.2f) | runner peak RSS %.1f MiB\n' \
    "$size" "$floor" "$ours" "$write" "$((ours - write))" "$(echo "$ours / $floor" | bc -l)" \
    "$(echo "$write / $floor" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  echo "        floor runs: $(tr '\n' ' ' < "$work/floor.times")| ours: $(tr '\n' ' ' < "$work/ours.times")"
  rm -f "$img" "$work/b.img"
done

fi

if [[ " $parts " == *" delta "* ]]; then
echo "== Delta install through the runner: ${DELTA_MIB:-1024} MiB image, 1% changed + 1 MiB inserted (conduit-delta -l 3)"
dm=${DELTA_MIB:-1024}
head -c "${dm}M" /dev/urandom > "$work/a.img"
python3 - "$work/a.img" "$work/new.img" <<'PY'
import os, random, sys
random.seed(7)
data = bytearray(open(sys.argv[1], 'rb').read())
for _ in range(len(data) // (1 << 20)):          # 1% of every MiB rewritten
    off = random.randrange(0, len(data) - 10486)
    data[off:off + 10485] = os.urandom(10485)
mid = len(data) // 2
data[mid:mid] = os.urandom(1 << 20)               # an insertion shifts the second half
open(sys.argv[2], 'wb').write(data)
PY
t0=$(now_ms); "$delta" make -l 3 "$work/a.img" "$work/new.img" "$work/d.zst" > "$work/d.json"; dmake=$(( $(now_ms) - t0 ))
dsha=$(openssl dgst -sha256 -r "$work/d.zst" | cut -d' ' -f1)
rm -f "$work/b.img"; sync
out=$("$bench" install "$work/d.zst" "$dsha" "$work" "$work/d.json" 2>/dev/null)
cmp -s "$work/new.img" "$work/b.img" || { echo "delta install produced a different image"; exit 1; }
printf 'patch %d B for a %d B image (make %d ms) | install %s ms (applying %s ms, read-back verify %s ms) | runner peak RSS %.1f MiB\n' \
  "$(stat -c %s "$work/d.zst")" "$(stat -c %s "$work/new.img")" "$dmake" \
  "$(echo "$out" | sed -n 's/^transfer_ms=//p')" "$(echo "$out" | sed -n 's/^write_ms=//p')" \
  "$(echo "$out" | sed -n 's/^verify_ms=//p')" "$(echo "$(echo "$out" | sed -n 's/^runner_peak_rss_kib=//p') / 1024" | bc -l)"
rm -f "$work/a.img" "$work/new.img" "$work/b.img" "$work/d.zst"

fi

if [[ " $parts " == *" peers "* ]]; then
  tests/bench/flash/peers.sh "$build"
fi

[[ " $parts " == *" pairs "* ]] || exit 0
echo "== Delta images: two real Debian pairs (libssl3 / openssl 3.0.22 deb12u1 -> deb12u2)"
debs=${DEB_DIR:-/var/cache/apt/archives}
for v in u1 u2; do
  for p in libssl3 openssl; do
    f=$(ls "$debs"/${p}_3.0.22-1~deb12${v}_amd64.deb 2>/dev/null | head -1) || true
    [ -n "$f" ] || { echo "missing $p deb12$v in $debs (apt-get download $p=3.0.22-1~deb12$v)"; exit 1; }
    mkdir -p "$work/$v"; dpkg-deb -x "$f" "$work/$v"
  done
done
time_ms() { # runs "$@" 5 times, prints the median wall time in ms
  for _ in 1 2 3 4 5; do t0=$(now_ms); "$@" > /dev/null 2>&1; echo $(( $(now_ms) - t0 )); done | median
}
for rel in usr/lib/x86_64-linux-gnu/libcrypto.so.3 usr/bin/openssl; do
  old=$work/u1/$rel; new=$work/u2/$rel; name=$(basename "$rel")
  t0=$(now_ms); "$delta" make "$old" "$new" "$work/p.zst" > /dev/null; make_ms=$(( $(now_ms) - t0 ))
  t0=$(now_ms); xdelta3 -9 -f -e -s "$old" "$new" "$work/p.xd3"; xd_make=$(( $(now_ms) - t0 ))
  t0=$(now_ms); bsdiff "$old" "$new" "$work/p.bsd"; bs_make=$(( $(now_ms) - t0 ))
  ours_apply=$(time_ms "$delta" apply "$old" "$work/p.zst" "$work/out.zst")
  xd_apply=$(time_ms xdelta3 -f -d -s "$old" "$work/p.xd3" "$work/out.xd3")
  bs_apply=$(time_ms bspatch "$old" "$work/out.bsd" "$work/p.bsd")
  for o in zst xd3 bsd; do cmp -s "$new" "$work/out.$o" || { echo "$o output differs for $name"; exit 1; }; done
  printf '%s (%d -> %d bytes): patch conduit-delta %d B (make %d ms, apply %d ms) | xdelta3 -9 %d B (%d / %d ms) | bsdiff %d B (%d / %d ms)\n' \
    "$name" "$(stat -c %s "$old")" "$(stat -c %s "$new")" \
    "$(stat -c %s "$work/p.zst")" "$make_ms" "$ours_apply" \
    "$(stat -c %s "$work/p.xd3")" "$xd_make" "$xd_apply" \
    "$(stat -c %s "$work/p.bsd")" "$bs_make" "$bs_apply"
done
