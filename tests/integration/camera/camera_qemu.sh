#!/bin/sh
# The camera agent on a real V4L2 device: boots Debian's kernel in qemu (KVM
# when usable, else TCG) from an initramfs holding busybox, the kernel's
# vivid test driver (a webcam at /dev/video0), the camera agent with the
# GStreamer plugins it uses, and agentstep (which drives the agent through
# the C ABI). In the guest: v4l2src captures from /dev/video0 into the ring;
# the inventory's health says it is capturing at the configured rate; a
# still is a JPEG; a clip is a WebM of the requested length.
#
#   camera_qemu.sh CAMERA_SO AGENTSTEP   (as root; exits 77 = skipped otherwise)
set -eu

CAMERA_SO=$1
AGENTSTEP=$2
TIMEOUT=${CAMERA_QEMU_TIMEOUT:-420}

# Opt-in for now: on this project's machines the guest sometimes hangs in
# its first capture under TCG (no KVM), until the timeout (2 of 5 runs on
# 2026-12-02, both while the machine was loaded; the kernel logs
# "schedule_timeout: wrong timeout value"). Until that is understood it does
# not run in CI: CONDUIT_CAMERA_QEMU=1 runs it.
if [ "${CONDUIT_CAMERA_QEMU:-0}" != 1 ]; then
    echo "SKIPPED (not passed): camera_qemu is opt-in (CONDUIT_CAMERA_QEMU=1): its TCG guest sometimes hangs in the first capture"
    exit 77
fi
. "$(dirname "$0")/../lib/qemu_guest.sh"
guest_need_root
guest_install qemu-system-x86 busybox-static cpio
ls /lib/modules/*/kernel/drivers/media/test-drivers/vivid/vivid.ko* >/dev/null 2>&1 || guest_install linux-image-amd64
guest_kernel vivid
guest_root
guest_modules vivid
copy_with_libs "$CAMERA_SO" "$root/test/camera.so"
copy_with_libs "$AGENTSTEP" "$root/test/agentstep"
# A sanitizer build's leak check runs at exit in the guest too, with the
# project's suppressions (GLib's and GStreamer's global state).
cp "$(dirname "$0")/../../sanitizers/lsan.supp" "$root/test/lsan.supp"
# Exactly the plugins the agent's pipelines use (no registry scanner in the guest).
gstdir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
for p in coreelements videoconvertscale videorate video4linux2 vpx matroska multifile jpeg app typefindfunctions; do
    copy_with_libs "$gstdir/libgst$p.so" "$root/gst/libgst$p.so"
done

cat > "$work/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
fails=0
fail() { echo "CAMERA-CHECK FAILED: $*"; fails=$((fails + 1)); }
check() { # description, command...
    what=$1; shift
    if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
for m in $(cat /lib/mod/order); do
    case $m in
    vivid.ko) insmod /lib/mod/$m n_devs=1 node_types=0x1 || fail "insmod $m" ;; # one webcam-like capture node
    *) insmod /lib/mod/$m || fail "insmod $m" ;;
    esac
done
check "vivid made /dev/video0" [ -c /dev/video0 ]
export LSAN_OPTIONS=suppressions=/test/lsan.supp:print_suppressions=0
export GST_PLUGIN_SYSTEM_PATH=/gst GST_REGISTRY=/tmp/gst-registry.bin GST_REGISTRY_FORK=no HOME=/tmp
mkdir -p /tmp/state
cat > /tmp/camera.json <<JSON
{"device_id":"cam-front","source":"v4l2","device":"/dev/video0","width":640,"height":480,"fps":15,
 "segment_seconds":0.5,"ring_seconds":10}
JSON
step() { /test/agentstep /test/camera.so /tmp/camera.json /tmp/state "$@" > /tmp/out 2> /tmp/err; rc=$?; cat /tmp/out; grep -v "^log 0" /tmp/err | head -n 20; return $rc; }
magic() { head -c "$2" "$1" | od -An -tx1 | tr -d ' \n'; }

check "still from /dev/video0" step capture still '{}' /tmp/still.jpg
check "still is a JPEG" [ "$(magic /tmp/still.jpg 2)" = ffd8 ]
check "still has a size" [ "$(stat -c %s /tmp/still.jpg)" -gt 1000 ]
check "clip from /dev/video0" step capture clip '{"pre_s":0,"post_s":2}' /tmp/clip.webm
check "clip ended complete" grep -q "^capture clip end=0 " /tmp/out
check "clip is WebM (EBML)" [ "$(magic /tmp/clip.webm 4)" = 1a45dfa3 ]
check "clip holds 2 s of frames" grep -q "clip of 2\.[0-5][0-9] s" /tmp/err
check "inventory" step inventory
check "health: capturing" grep -q '"capturing":true' /tmp/err
check "health: encoder vp8" grep -q '"encoder":"vp8"' /tmp/err
if [ $fails = 0 ]; then echo "CAMERA-TEST: PASS"; else echo "CAMERA-TEST: FAIL ($fails)"; fi
sync
poweroff -f
EOF
guest_boot "$work/init"
grep -E "^(ok:|CAMERA-CHECK|CAMERA-TEST|capture |result |status |log [123])" "$log" || true
if grep -q "CAMERA-TEST: PASS" "$log"; then echo PASS; exit 0; fi
echo "FAIL (qemu exit $qrc); console:"; tail -n 60 "$log"
exit 1
