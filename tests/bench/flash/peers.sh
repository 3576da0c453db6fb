#!/usr/bin/env bash
# The flash agent side by side with RAUC and SWUpdate (Debian's packages):
# each installs the same random image into a file-backed raw slot, on this
# machine, in the same run, interleaved; figures go to docs/benchmarks.md
# ("Flash agent", "RAUC and SWUpdate side by side").
# Usage: tests/bench/flash/peers.sh [build-dir]   (default: build; needs the
#   bench_flash target built), or tests/bench/flash/run.sh with PARTS=peers.
#   RUNS=5 SIZES_MIB="512 1024" change the runs and sizes.
# Needs root (RAUC mounts its bundle on a loop device); installs what is
# missing with apt-get: rauc swupdate squashfs-tools cpio inotify-tools.
# No network: RAUC talks to its service over a private D-Bus bus (a Unix
# socket in the work dir), SWUpdate installs from a local file.
#
# What each figure is (all wall clock, page cache warm for every input):
# - Conduit: bench_flash streams the image through the real runner into the
#   agent's file slot: write, fdatasync, read back (O_DIRECT) and compare
#   SHA-256. "process" = the whole bench_flash run (runner spawn, agent load,
#   transfer, runner stop); "write" = transfer start until fdatasync returned;
#   "verified" = the whole transfer call, read-back verification included.
# - RAUC: `rauc install` of a plain bundle (the image in a signed squashfs).
#   Before writing, the service checks the CMS signature, which covers the
#   whole bundle: every byte is read and hashed; then it loop-mounts the
#   squashfs, copies the image into the slot and fsyncs it. No read-back.
# - SWUpdate: `swupdate -i` of a signed .swu with `installed-directly`: the
#   image is streamed into the slot while its SHA-256 (from the signed
#   sw-description) is computed, and checked at the end. No fsync, no
#   read-back, and `-i` notices the end of the install in 1 s sleeps, so
#   its command time is rounded up to whole seconds.
# Slot open/close times come from inotify (inotifywait -m on the slot file,
# events OPEN and CLOSE_WRITE, time-stamped by the reader with bash's
# EPOCHREALTIME): no tool is traced or slowed, and the close is the moment
# the writer is done with the slot. For SWUpdate, the reader fdatasyncs the
# slot (sync -d) as soon as it is closed, which gives the time at which
# SWUpdate's write would have been durable.
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=$(realpath "${1:-build}")
bench=$build/tests/bench/flash/bench_flash
runs=${RUNS:-5}
sizes=${SIZES_MIB:-"512 1024"}
[ "$(id -u)" = 0 ] || { echo "peers.sh needs root (RAUC loop-mounts its bundle)"; exit 1; }
[ -x "$bench" ] || { echo "no $bench: build the bench_flash target first"; exit 1; }

missing=()
for p in rauc:rauc swupdate:swupdate mksquashfs:squashfs-tools cpio:cpio inotifywait:inotify-tools \
         dbus-daemon:dbus dbus-send:dbus; do
  command -v "${p%%:*}" > /dev/null || missing+=("${p#*:}")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi

work=$(mktemp -d -p "${BENCH_TMP:-/var/tmp}" conduit-flash-peers.XXXXXX)
bus_pid='' rauc_pid='' iw_pid='' rd_pid='' swu_pid=''
cleanup() {
  set +e
  [ -n "$iw_pid" ] && kill "$iw_pid" 2> /dev/null
  [ -n "$swu_pid" ] && kill -- "-$swu_pid" 2> /dev/null
  [ -n "$rauc_pid" ] && kill "$rauc_pid" 2> /dev/null && wait "$rauc_pid" 2> /dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2> /dev/null && wait "$bus_pid" 2> /dev/null
  # An install cut off by a signal may leave RAUC's bundle mounted (the loop
  # device goes with it: autoclear).
  mountpoint -q "$work/mnt/bundle" && umount "$work/mnt/bundle"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 + 0.5 }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
rec() { echo "$2" >> "$work/m.$1"; }     # rec METRIC VALUE_MS
med() { median < "$work/m.$1"; }
all() { tr '\n' ' ' < "$work/m.$1"; }

# --- slot watcher (see the header) ------------------------------------------
watch_start() { # SLOT SYNC_ON_CLOSE(0|1): events go to $work/events
  local slot=$1 sync=$2
  rm -f "$work/ev.fifo" "$work/iw.err"
  mkfifo "$work/ev.fifo"
  inotifywait -m -e open,close_write --format '%e' "$slot" > "$work/ev.fifo" 2> "$work/iw.err" &
  iw_pid=$!
  while read -r ev; do
    t=$EPOCHREALTIME
    case $ev in
      OPEN*) echo "open $t" ;;
      CLOSE_WRITE*) echo "close $t"; if ((sync)); then sync -d "$slot"; echo "durable $EPOCHREALTIME"; fi ;;
    esac
  done < "$work/ev.fifo" > "$work/events" &
  rd_pid=$!
  for _ in $(seq 300); do
    grep -q 'Watches established' "$work/iw.err" 2> /dev/null && return 0
    sleep 0.01
  done
  echo "inotifywait did not start: $(cat "$work/iw.err")"; exit 1
}
watch_stop() { # waits for the reader (and its sync) to finish
  kill "$iw_pid"; wait "$iw_pid" 2> /dev/null || true; iw_pid=''
  wait "$rd_pid"; rd_pid=''
}
event() { awk -v k="$1" -v w="$2" '$1 == k { t = $2; if (w == "first") { print t; exit } } END { if (w == "last") print t }' "$work/events"; }

# --- the three installers' setup ---------------------------------------------
echo "== Side by side: Conduit flash agent, RAUC, SWUpdate (median of $runs, interleaved; ms)"
dpkg-query -W -f='   ${Package} ${Version}\n' rauc swupdate
echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$work"
mkdir -p conduit rauc/content rauc/data mnt swu/in swtmp
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=conduit-bench \
  > /dev/null 2>&1
head -c 1M /dev/urandom > conduit/a.img

cat > rauc/system.conf <<EOF
[system]
compatible=conduit-bench
bootloader=noop
mountprefix=$work/mnt
data-directory=$work/rauc/data

[keyring]
path=$work/cert.pem

[slot.rootfs.0]
device=$work/rauc/slot-a.img
type=raw
bootname=A

[slot.rootfs.1]
device=$work/rauc/slot-b.img
type=raw
bootname=B
EOF
: > rauc/slot-a.img
bus=unix:path=$work/bus
dbus-daemon --session --address="$bus" --nofork --nopidfile > "$work/bus.log" 2>&1 &
bus_pid=$!
rauc_env=(env DBUS_SESSION_BUS_ADDRESS="$bus" DBUS_STARTER_BUS_TYPE=session)
for _ in $(seq 300); do [ -S "$work/bus" ] && break; sleep 0.01; done
"${rauc_env[@]}" rauc service --conf=rauc/system.conf --override-boot-slot=A > rauc/service.log 2>&1 &
rauc_pid=$!
for i in $(seq 300); do
  dbus-send --bus="$bus" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:de.pengutronix.rauc 2> /dev/null | grep -q 'boolean true' && break
  [ "$i" = 300 ] && { echo "rauc service did not come up:"; cat rauc/service.log; exit 1; }
  sleep 0.02
done

# --- one run of each ---------------------------------------------------------
run_floor() {
  rm -f slot-floor.img; sync; cat "$img" > /dev/null
  local t0=$EPOCHREALTIME
  tee slot-floor.img < "$img" | openssl dgst -sha256 > /dev/null
  sync -d slot-floor.img
  rec floor "$(ms "$t0" "$EPOCHREALTIME")"
  rm -f slot-floor.img
}

run_conduit() {
  rm -f conduit/b.img; : > conduit/b.img; sync; cat "$img" > /dev/null
  watch_start conduit/b.img 0
  local t0=$EPOCHREALTIME out t1
  out=$("$bench" install "$img" "$sha" "$work/conduit" 2> conduit/stderr) || { cat conduit/stderr; exit 1; }
  t1=$EPOCHREALTIME
  watch_stop
  rec c_process "$(ms "$t0" "$t1")"
  rec c_open "$(ms "$t0" "$(event open first)")"
  rec c_verified "$(sed -n 's/^transfer_ms=//p' <<< "$out")"
  rec c_write "$(sed -n 's/^write_ms=//p' <<< "$out")"
  rec c_readback "$(sed -n 's/^verify_ms=//p' <<< "$out")"
  rec c_rss "$(sed -n 's/^runner_peak_rss_kib=//p' <<< "$out")"
  if ((check)); then cmp -s "$img" conduit/b.img || { echo "Conduit: slot differs from the image"; exit 1; }; fi
  rm -f conduit/b.img
}

run_rauc() {
  rm -f rauc/slot-b.img; : > rauc/slot-b.img; sync; cat rauc/bundle.raucb > /dev/null
  watch_start rauc/slot-b.img 0
  local t0=$EPOCHREALTIME t1 seen
  seen=$(wc -l < rauc/service.log)
  "${rauc_env[@]}" rauc install --conf=rauc/system.conf rauc/bundle.raucb > rauc/install.log 2>&1 \
    || { cat rauc/install.log; tail -20 rauc/service.log; exit 1; }
  t1=$EPOCHREALTIME
  watch_stop
  local open close
  open=$(event open first); close=$(event close last)
  rec r_install "$(ms "$t0" "$t1")"
  rec r_open "$(ms "$t0" "$open")"
  rec r_closed "$(ms "$t0" "$close")"
  rec r_write "$(ms "$open" "$close")"
  # The service logs the signature check with ms time stamps.
  rec r_sig "$(tail -n +"$((seen + 1))" rauc/service.log | awk '
    function t(s) { split(s, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
    /Verifying bundle signature/ { b = t($2) } /Verified .*signature/ { e = t($2) }
    END { printf "%d", e - b }')"
  if ((check)); then cmp -s "$img" rauc/slot-b.img || { echo "RAUC: slot differs from the image"; exit 1; }; fi
  rm -f rauc/slot-b.img
}

run_swupdate() {
  rm -f swu/slot.img; : > swu/slot.img; sync; cat swu/update.swu > /dev/null
  watch_start swu/slot.img 1
  # In a session of its own: a failed swupdate can leave a helper process
  # behind, which the process group catches.
  local t0=$EPOCHREALTIME t1 rc=0
  TMPDIR=$work/swtmp setsid -w swupdate -H conduit-bench:1.0 -k cert.pem -i swu/update.swu > swu/install.log 2>&1 &
  swu_pid=$!
  wait "$swu_pid" || rc=$?
  t1=$EPOCHREALTIME
  kill -- "-$swu_pid" 2> /dev/null || true; swu_pid=''
  ((rc == 0)) || { tail -20 swu/install.log; exit 1; }
  watch_stop
  local open close durable
  open=$(event open first); close=$(event close last); durable=$(event durable last)
  rec s_install "$(ms "$t0" "$t1")"
  rec s_open "$(ms "$t0" "$open")"
  rec s_closed "$(ms "$t0" "$close")"
  rec s_durable "$(ms "$t0" "$durable")"
  rec s_write "$(ms "$open" "$close")"
  rec s_write_sync "$(ms "$open" "$durable")"
  if ((check)); then cmp -s "$img" swu/slot.img || { echo "SWUpdate: slot differs from the image"; exit 1; }; fi
  rm -f swu/slot.img
}

tools=(floor conduit rauc swupdate)
for size in $sizes; do
  rm -f m.*
  img=$work/img-$size
  head -c "${size}M" /dev/urandom > "$img"
  sha=$(openssl dgst -sha256 -r "$img" | cut -d' ' -f1)

  # RAUC: a plain bundle (data blocks stored uncompressed: the image is
  # random, squashfs would store them so anyway).
  rm -rf rauc/content rauc/bundle.raucb; mkdir rauc/content
  ln "$img" rauc/content/rootfs.img
  printf '[update]\ncompatible=conduit-bench\nversion=2\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n' \
    > rauc/content/manifest.raucm
  rauc bundle --cert=cert.pem --key=key.pem --mksquashfs-args="-noI -noD -noF -noX" \
    rauc/content rauc/bundle.raucb > rauc/bundle.log 2>&1 || { cat rauc/bundle.log; exit 1; }
  rm -rf rauc/content

  # SWUpdate: sw-description (signed with CMS, as Debian's build requires)
  # first, then the image; the raw handler writes an existing slot.
  rm -rf swu/in; mkdir swu/in
  ln "$img" swu/in/rootfs.img
  cat > swu/in/sw-description <<EOF
software =
{
	version = "2.0.0";
	hardware-compatibility: [ "1.0" ];
	images: (
		{
			filename = "rootfs.img";
			device = "$work/swu/slot.img";
			type = "raw";
			installed-directly = true;
			sha256 = "$sha";
		}
	);
}
EOF
  openssl cms -sign -in swu/in/sw-description -out swu/in/sw-description.sig -signer cert.pem -inkey key.pem \
    -outform DER -nosmimecap -binary
  (cd swu/in && printf '%s\n' sw-description sw-description.sig rootfs.img | cpio -o -H crc --quiet) > swu/update.swu
  rm -rf swu/in

  for i in $(seq "$runs"); do
    check=$((i == 1)) # bit-identical slots, checked outside the timed part
    for k in 0 1 2 3; do "run_${tools[(i - 1 + k) % 4]}"; done
  done

  printf '%5d MiB (image sha256 %.12s…)\n' "$size" "$sha"
  printf '  floor   tee slot | openssl dgst, then sync -d slot: %d\n' "$(med floor)"
  printf '  Conduit process %d | slot opened at %d | write+fdatasync %d, + read-back verify %d = verified %d | runner peak RSS %.1f MiB\n' \
    "$(med c_process)" "$(med c_open)" "$(med c_write)" "$(med c_readback)" "$(med c_verified)" \
    "$(echo "$(sort -n m.c_rss | tail -1) / 1024" | bc -l)"
  printf '  RAUC    rauc install %d | slot opened at %d (signature check over the whole bundle %d, mount) | written+fsync, closed at %d (writing %d)\n' \
    "$(med r_install)" "$(med r_open)" "$(med r_sig)" "$(med r_closed)" "$(med r_write)"
  printf '  SWUpd.  swupdate -i %d | slot opened at %d | closed at %d (writing %d, not synced) | + fdatasync: durable at %d (writing+sync %d)\n' \
    "$(med s_install)" "$(med s_open)" "$(med s_closed)" "$(med s_write)" "$(med s_durable)" "$(med s_write_sync)"
  # Paired by run (the tools ran back to back): how often Conduit was faster.
  paired() { # A B: "wins/runs, median ratio A/B"
    printf '%s, median ratio %s' "$(paste "m.$1" "m.$2" | awk '$1 < $2 { w++ } END { printf "%d/%d", w, NR }')" \
      "$(paste "m.$1" "m.$2" | awk '{ printf "%.4f\n", $1 / $2 }' | sort -n |
         awk '{ a[NR] = $1 } END { printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
  }
  echo "  Conduit faster, run by run: verified vs rauc install $(paired c_verified r_install);" \
    "vs SWUpdate durable $(paired c_verified s_durable)"
  echo "    writing only (write+fdatasync) vs RAUC writing+fsync $(paired c_write r_write);" \
    "vs SWUpdate writing+sync $(paired c_write s_write_sync)"
  echo "  runs: floor $(all floor)| Conduit verified $(all c_verified)| write $(all c_write)| process $(all c_process)"
  echo "        RAUC install $(all r_install)| writing $(all r_write)| SWUpdate durable at $(all s_durable)| writing+sync $(all s_write_sync)"
  rm -f "$img" rauc/bundle.raucb swu/update.swu
done
echo "   load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
