#!/bin/sh
# UBI volume slots on a real UBI stack: boots Debian's kernel in qemu (KVM
# when usable, else TCG) from an initramfs holding busybox, the mtd/nand/
# nandsim/ubi modules, mtd-utils, the flash agent and flashstep (which drives
# the agent through the C ABI). In the guest: a simulated 128 MiB NAND, UBI,
# volumes A and B; an install into B read back and activated; an update cut
# off mid-stream that leaves B marked corrupt and A intact, then redone; a
# volume too small refused before anything is written; a configured UBI slot
# that is missing refused, not created as a file.
#
#   ubi_qemu.sh FLASH_SO FLASHSTEP   (as root; exits 77 = skipped otherwise)
set -eu

FLASH_SO=$1
FLASHSTEP=$2
TIMEOUT=${UBI_QEMU_TIMEOUT:-420}

. "$(dirname "$0")/../lib/qemu_guest.sh"
guest_need_root
# busybox-static: the guest has no libc of its own for busybox.
guest_install qemu-system-x86 busybox-static mtd-utils cpio
ls /lib/modules/*/kernel/drivers/mtd/nand/raw/nandsim.ko* >/dev/null 2>&1 || guest_install linux-image-amd64
guest_kernel nandsim ubi
guest_root
guest_modules nandsim ubi
for tool in ubiattach ubimkvol ubiupdatevol; do copy_with_libs "$(command -v $tool)" "$root/bin/$tool"; done
copy_with_libs "$FLASH_SO" "$root/test/flash.so"
copy_with_libs "$FLASHSTEP" "$root/test/flashstep"

cat > "$work/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
fails=0
fail() { echo "UBI-CHECK FAILED: $*"; fails=$((fails + 1)); }
check() { # description, command...
    what=$1; shift
    if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
for m in $(cat /lib/mod/order); do
    case $m in
    nandsim.ko) insmod /lib/mod/$m id_bytes=0x20,0xa1,0x00,0x15 || fail "insmod $m" ;; # 128 MiB, 2 KiB pages
    *) insmod /lib/mod/$m || fail "insmod $m" ;;
    esac
done
ubiattach -m 0 -d 0 >/dev/null || fail ubiattach
ubimkvol /dev/ubi0 -N rootfs_a -s 12MiB >/dev/null || fail "ubimkvol A"
ubimkvol /dev/ubi0 -N rootfs_b -s 12MiB >/dev/null || fail "ubimkvol B"
ubimkvol /dev/ubi0 -N tiny -s 1MiB >/dev/null || fail "ubimkvol tiny"
ls -l /dev/ubi0_*

sha() { sha256sum "$1" | cut -d' ' -f1; }
# First LEN bytes of a volume, hashed (fails when the volume cannot be read).
volsha() { head -c "$2" "$1" > /tmp/vol && [ "$(stat -c %s /tmp/vol)" = "$2" ] && sha /tmp/vol; }
mkimage() { head -c "$2" /dev/urandom > "$1"; }
mkimage /tmp/v1.img $((3 * 1048576 + 4321))
mkimage /tmp/v2.img $((5 * 1048576 + 777))
mkimage /tmp/v3.img $((7 * 1048576 + 12345))
mkimage /tmp/tiny.img 65536
V1=$(sha /tmp/v1.img); V2=$(sha /tmp/v2.img); V3=$(sha /tmp/v3.img)
L1=$(stat -c %s /tmp/v1.img); L2=$(stat -c %s /tmp/v2.img); L3=$(stat -c %s /tmp/v3.img)
ubiupdatevol /dev/ubi0_0 /tmp/v1.img || fail "factory image into A"
ubiupdatevol /dev/ubi0_2 /tmp/tiny.img || fail "tiny volume content"
TINY=$(volsha /dev/ubi0_2 65536)

mkdir -p /tmp/state
cat > /tmp/agent.json <<JSON
{"devices":[
 {"id":"hu","hardware_id":"hu-nand","slots":{
   "A":{"path":"/dev/ubi0_0","kind":"ubi","version":"1.0.0"},
   "B":{"path":"/dev/ubi0_1"}},
  "boot":{"backend":"file","path":"/tmp/state/hu.bootenv"}},
 {"id":"small","slots":{"A":{"path":"/dev/ubi0_0","version":"1.0.0"},"B":{"path":"/dev/ubi0_2","kind":"ubi"}},
  "boot":{"backend":"file","path":"/tmp/state/small.bootenv"}},
 {"id":"overlap","verify":"overlapped","slots":{"A":{"path":"/dev/ubi0_0","version":"1.0.0"},"B":{"path":"/dev/ubi0_1"}},
  "boot":{"backend":"file","path":"/tmp/state/overlap.bootenv"}},
 {"id":"gone","slots":{"A":{"path":"/dev/ubi0_0","version":"1.0.0"},"B":{"path":"/dev/ubi0_9","kind":"ubi"}},
  "boot":{"backend":"file","path":"/tmp/state/gone.bootenv"}}]}
JSON
step() { /test/flashstep /test/flash.so /tmp/agent.json /tmp/state "$@" > /tmp/out 2>/tmp/err; rc=$?; cat /tmp/out; return $rc; }
state() { step inventory >/dev/null; grep "^device $1 " /tmp/out | sed 's/.*state=\([^ ]*\) current=\(.*\)/\1 \2/'; }
marker() { cat /sys/class/ubi/$1/upd_marker; }

check "initial state" [ "$(state hu)" = "idle 1.0.0" ]
check "install 2.0.0 into B" step transfer hu 2.0.0 /tmp/v2.img "$V2"
check "staged" [ "$(state hu)" = "staged 1.0.0" ]
check "B holds 2.0.0" [ "$(volsha /dev/ubi0_1 $L2)" = "$V2" ]
check "B update complete (no update marker)" [ "$(marker ubi0_1)" = 0 ]
check "A untouched" [ "$(volsha /dev/ubi0_0 $L1)" = "$V1" ]
check "activate" step activate hu 2.0.0
check "activated" [ "$(state hu)" = "activated 1.0.0" ]
check "trial is B" grep -q "conduit_trial=B" /tmp/state/hu.bootenv
check "rollback" step rollback hu 2.0.0
check "rolled back" [ "$(state hu)" = "rolled-back 1.0.0" ]

# Cut off at the third 1 MiB write: the process dies mid-update.
CONDUIT_FLASH_FAULT=write=3 step transfer hu 3.0.0 /tmp/v3.img "$V3"
check "cut-off transfer died" [ $? = 70 ]
check "B marked corrupt (update marker)" [ "$(marker ubi0_1)" = 1 ]
check "B unreadable" sh -c '! head -c 1 /dev/ubi0_1 >/dev/null 2>&1'
check "A intact after the cut" [ "$(volsha /dev/ubi0_0 $L1)" = "$V1" ]
check "after the cut: idle, running 1.0.0" [ "$(state hu)" = "idle 1.0.0" ]
check "no trial after the cut" sh -c '! grep -q "conduit_trial=B" /tmp/state/hu.bootenv'
check "install 3.0.0 again" step transfer hu 3.0.0 /tmp/v3.img "$V3"
check "staged again" [ "$(state hu)" = "staged 1.0.0" ]
check "B holds 3.0.0" [ "$(volsha /dev/ubi0_1 $L3)" = "$V3" ]
check "B update complete" [ "$(marker ubi0_1)" = 0 ]

# Too small: refused before the update starts.
step transfer small 2.0.0 /tmp/v2.img "$V2"
check "too small refused with NO_SPACE" grep -q "^result transfer -8 .*holds" /tmp/out
check "tiny volume untouched" [ "$(marker ubi0_2)" = 0 ] && [ "$(volsha /dev/ubi0_2 65536)" = "$TINY" ]

step transfer gone 2.0.0 /tmp/v2.img "$V2"
check "missing UBI slot refused" grep -q "^result transfer -7 .*missing" /tmp/out
check "missing UBI slot not created" [ ! -e /dev/ubi0_9 ]

# "verify": "overlapped" reads back after the update on UBI (a volume is
# not readable while it is updated).
check "overlapped verify install" step transfer overlap 2.0.0 /tmp/v2.img "$V2"
check "overlapped: staged" [ "$(state overlap)" = "staged 1.0.0" ]
check "overlapped: B holds 2.0.0" [ "$(volsha /dev/ubi0_1 $L2)" = "$V2" ]

# Deltas need mappable slots: refused before anything is written.
step transfer overlap 4.0.0 /tmp/v2.img "$V2" '{"conduit":{"delta":{"format":"zstd-patch/1","base_sha256":"'$V1'","base_length":'$L1',"target_sha256":"'$V2'","target_length":'$L2'}}}'
check "delta refused on UBI" grep -q "^result transfer -3 .*delta images are not supported on ubi" /tmp/out
check "delta refused: B untouched" [ "$(marker ubi0_1)" = 0 ] && [ "$(volsha /dev/ubi0_1 $L2)" = "$V2" ]

# A corrupt byte would be caught by the read-back: covered on files and
# block devices (tst_flashagent); UBI volumes cannot be changed outside an update.
if [ $fails = 0 ]; then echo "UBI-TEST: PASS"; else echo "UBI-TEST: FAIL ($fails)"; fi
sync
poweroff -f
EOF
guest_boot "$work/init"
grep -E "^(ok:|UBI-CHECK|UBI-TEST|result )" "$log" || true
if grep -q "UBI-TEST: PASS" "$log"; then echo PASS; exit 0; fi
echo "FAIL (qemu exit $qrc); console:"; tail -n 60 "$log"
exit 1
