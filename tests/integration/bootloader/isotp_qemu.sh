#!/bin/sh
# The ISO-TP link on real kernel CAN: boots Debian's kernel in qemu (KVM when
# usable, else TCG) from an initramfs holding busybox, iproute2's ip, the
# can/can-raw/can-isotp/vcan modules, can-utils and isotp_driver (IsoTpLink
# from the command line). can-utils are the independent peer: isotprecv and
# isotpsend on the ECU's side, cansend for a broken sender, candump logging
# every frame. In the guest: multi-frame messages both ways (classic CAN with
# padding checked by the peer, and CAN FD), a functional single frame, and the
# kernel's errors as IsoTpLink names them (no flow control, a wrong sequence
# number, interface down, interface gone, no such interface). On the host,
# tshark decodes the candump log of the good traffic as ISO 15765: zero
# malformed frames or expert errors, and every frame kind present.
#
#   isotp_qemu.sh ISOTP_DRIVER   (as root; exits 77 = skipped otherwise)
set -eu

DRIVER=$1
TIMEOUT=${ISOTP_QEMU_TIMEOUT:-420}

. "$(dirname "$0")/../lib/qemu_guest.sh"
guest_need_root
guest_install qemu-system-x86 busybox-static iproute2 can-utils tshark cpio
ls /lib/modules/*/kernel/net/can/can-isotp.ko* >/dev/null 2>&1 || guest_install linux-image-amd64
guest_kernel can-isotp vcan
guest_root
guest_modules can-raw can-isotp vcan
copy_with_libs "$(command -v ip)" "$root/sbin/ip"
for tool in isotpsend isotprecv cansend candump; do copy_with_libs "$(command -v $tool)" "$root/usr/bin/$tool"; done
copy_with_libs "$DRIVER" "$root/test/isotp_driver"

guest_init ISOTP
cat >> "$work/init" <<'EOF'
for m in $(cat /lib/mod/order); do insmod /lib/mod/$m || fail "insmod $m"; done
ip link add dev vcan0 type vcan || fail "ip link add vcan0"
ip link set vcan0 mtu 72 || fail "vcan0 mtu 72 (CAN FD)"
ip link set up vcan0 || fail "vcan0 up"

D=/test/isotp_driver
# The driver's test pattern, as can-utils print it: byte i = (i * 7 + 3) & 0xff.
pattern() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%02X ", (i * 7 + 3) % 256; print "" }'; }
tokens() { tr -s ' \n' '\n\n' | grep -v '^$'; }
same() { [ "$(tokens < "$1")" = "$(tokens < "$2")" ]; }
# Waits (bounded) until an ISO-TP socket receives on CAN id $1: the peer
# started in the background is ready before the other side sends.
ready() {
    for _ in $(seq 250); do
        awk -v id="$1" 'tolower($2) ~ ("^0*" id "$") && /isotp/ { found = 1 } END { exit !found }' \
            /proc/net/can/rcvlist_sff 2>/dev/null && return 0
        usleep 20000
    done
    echo "no ISO-TP receiver on $1:"; cat /proc/net/can/rcvlist_sff; return 1
}

candump -L vcan0 > /tmp/can.log &
CANDUMP=$!

# Tester -> ECU, classic CAN, 3000 bytes, padded with 0xCC: isotprecv checks
# the padding of every frame (-P a) and prints what it reassembled.
isotprecv -s 7e8 -d 7e0 -p CC:CC -P a vcan0 > /tmp/rx1 2>&1 &
R=$!
ready 7e0
check "send 3000 bytes" sh -c "$D vcan0 7e0 7e8 send 3000 > /tmp/out1"
wait $R
pattern 3000 > /tmp/want1
check "isotprecv got the 3000 bytes" same /tmp/rx1 /tmp/want1

# ECU -> tester: isotpsend sends 4095 bytes (the classic maximum) to the driver.
$D vcan0 7e0 7e8 recv 5000 > /tmp/out2 &
R=$!
ready 7e8
pattern 4095 | isotpsend -s 7e8 -d 7e0 -p CC:CC vcan0 || fail "isotpsend 4095"
wait $R
sed 's/^received 4095://' /tmp/out2 > /tmp/rx2
check "driver received 4095 bytes" grep -q "^received 4095:" /tmp/out2
pattern 4095 > /tmp/want2
check "driver's 4095 bytes match" same /tmp/rx2 /tmp/want2

# STmin and block size in the flow control the driver sends: isotpsend obeys.
$D --bs 4 --stmin 01 vcan0 7e0 7e8 recv 5000 > /tmp/out3 &
R=$!
ready 7e8
pattern 100 | isotpsend -s 7e8 -d 7e0 -p CC:CC vcan0 || fail "isotpsend 100 with BS 4"
wait $R
check "BS/STmin: driver received 100 bytes" grep -q "^received 100:" /tmp/out3

# CAN FD: 64-byte frames both ways.
isotprecv -s 7e8 -d 7e0 -L 72:64:0 vcan0 > /tmp/rx4 2>&1 &
R=$!
ready 7e0
check "CAN FD send 1000 bytes" sh -c "$D --fd vcan0 7e0 7e8 send 1000 > /tmp/out4"
wait $R
pattern 1000 > /tmp/want4
check "isotprecv got the 1000 bytes over CAN FD" same /tmp/rx4 /tmp/want4
$D --fd vcan0 7e0 7e8 recv 5000 > /tmp/out5 &
R=$!
ready 7e8
pattern 5000 | isotpsend -s 7e8 -d 7e0 -L 72:64:0 vcan0 || fail "isotpsend 5000 over CAN FD"
wait $R
sed 's/^received 5000://' /tmp/out5 > /tmp/rx5
pattern 5000 > /tmp/want5
check "driver received 5000 bytes over CAN FD (beyond classic 4095)" same /tmp/rx5 /tmp/want5

# Functional: one single frame to 0x7df (TesterPresent, suppressed reply).
check "functional send" sh -c "$D vcan0 7e0 7e8 functional 3E 80 > /tmp/out6"
# The functional frame is the last one sent: once candump logged it, it has logged all.
for _ in $(seq 250); do grep -q " vcan0 7DF#" /tmp/can.log && break; usleep 20000; done
kill $CANDUMP; wait $CANDUMP 2>/dev/null

# Throughput (information, not a pass mark): 20 messages of 4095 bytes from
# IsoTpLink and from isotpsend (one process per message) to isotprecv -l.
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
for mode in classic fd; do
    ll=""; fd=""
    [ $mode = fd ] && { ll="-L 72:64:0"; fd="--fd"; }
    isotprecv -l -s 7e8 -d 7e0 $ll vcan0 > /tmp/bench-driver &
    R=$!
    ready 7e0
    $D $fd vcan0 7e0 7e8 repeat 4095 20 > /tmp/bench-out || fail "throughput run ($mode)"
    echo "throughput $mode IsoTpLink: $(cat /tmp/bench-out)"
    pattern 4095 > /tmp/bench-msg
    t0=$(uptime_ms)
    for _ in $(seq 20); do isotpsend -b -s 7e0 -d 7e8 $ll vcan0 < /tmp/bench-msg || fail "isotpsend ($mode)"; done
    t1=$(uptime_ms)
    # isotprecv prints each message after it is reassembled: wait (bounded) for all 40.
    for _ in $(seq 250); do [ "$(grep -c . /tmp/bench-driver)" -ge 40 ] && break; usleep 20000; done
    kill $R; wait $R 2>/dev/null
    ms=$((t1 - t0)); [ $ms -gt 0 ] || ms=1
    echo "throughput $mode isotpsend: 20 x 4095 bytes in $ms ms, $((20 * 4095 * 1000 / 1024 / ms)) KiB/s"
    check "throughput ($mode): isotprecv got all 40 messages" [ "$(grep -c . /tmp/bench-driver)" = 40 ]
done
check "functional frame on the bus, padded" grep -q " vcan0 7DF#023E80CCCCCCCCCC$" /tmp/can.log
check "every classic frame of the driver padded to 8 bytes" \
    sh -c "! grep ' vcan0 7E0#[0-9A-F]' /tmp/can.log | grep -v '#[0-9A-F]\{16\}$'"
check "CAN FD frames on the bus" grep -q " vcan0 7E0##" /tmp/can.log

# The kernel's errors, named.
$D vcan0 7e0 7e8 send 100 > /tmp/e1
check "no flow control: timeout" grep -q "^error timeout: .*no flow control or consecutive frame in time" /tmp/e1
$D vcan0 7e0 7e8 recv 5000 > /tmp/e2 &
R=$!
ready 7e8
cansend vcan0 7E8#100A010203040506 # first frame of 10 bytes
cansend vcan0 7E8#2207080910CCCCCC # sequence number 2, 1 expected
wait $R
check "wrong sequence number: protocol error" grep -q "^error protocol error: .*wrong sequence number" /tmp/e2
$D vcan0 7e0 7e8 recv 300 > /tmp/e3
check "nothing received: timeout" grep -q "^error timeout: .*no message from the ECU before the deadline" /tmp/e3
$D vcan0 7e0 7e8 functional 01 02 03 04 05 06 07 08 > /tmp/e7
check "functional request longer than a single frame refused" \
    grep -q "^error protocol error: .*functional requests are single frames of 1..7 bytes" /tmp/e7
ip link set vcan0 down
$D vcan0 7e0 7e8 send 4 > /tmp/e4
check "interface down: connection lost" grep -q "^error connection lost: .*vcan0 is down" /tmp/e4
ip link set up vcan0
$D vcan0 7e0 7e8 recv 5000 > /tmp/e5 2> /tmp/e5.err &
R=$!
ready 7e8
# The driver has bound both its sockets (physical and functional) when it says so.
for _ in $(seq 250); do grep -q "^open" /tmp/e5.err && break; usleep 20000; done
ip link del vcan0
wait $R
# Removing an interface takes it down first: the waiting socket hears ENETDOWN.
check "interface removed while waiting: connection lost" grep -qE "^error connection lost: .*vcan0 is (down|gone)" /tmp/e5
$D vcan9 7e0 7e8 send 4 > /tmp/e6
check "no such interface: configuration" grep -q "^error configuration error: CAN interface vcan9: No such device" /tmp/e6
for f in /tmp/e1 /tmp/e2 /tmp/e3 /tmp/e4 /tmp/e5 /tmp/e7 /tmp/e6; do echo "driver said: $(cat $f)"; done

echo "CANDUMP-BEGIN"
cat /tmp/can.log
echo "CANDUMP-END"
if [ $fails = 0 ]; then echo "ISOTP-TEST: PASS"; else echo "ISOTP-TEST: FAIL ($fails)"; fi
sync
poweroff -f
EOF
guest_boot "$work/init"
tr -d '\r' < "$log" > "$work/console.txt"
grep -E "^(ok:|ISOTP-CHECK|ISOTP-TEST|driver said:|throughput )" "$work/console.txt" || true
if ! grep -q "ISOTP-TEST: PASS" "$work/console.txt"; then
    echo "FAIL (qemu exit $qrc); console:"; sed "/^CANDUMP-BEGIN$/,/^CANDUMP-END$/d" "$work/console.txt" | tail -n 60
    exit 1
fi

# tshark judges the frames of the good traffic: decoded as ISO 15765, no
# malformed frame, no expert error, and every frame kind seen.
sed -n '/^CANDUMP-BEGIN$/,/^CANDUMP-END$/p' "$work/console.txt" | sed '1d;$d' > "$work/can.log"
frames=$(wc -l < "$work/can.log")
tshark -r "$work/can.log" -d can.subdissector,iso15765 > "$work/decoded.txt" 2>/dev/null
tshark -r "$work/can.log" -d can.subdissector,iso15765 -q -z expert,error > "$work/expert.txt" 2>/dev/null
bad=0
grep -qi "malformed" "$work/decoded.txt" && { echo "tshark: malformed frames:"; grep -i malformed "$work/decoded.txt" | head; bad=1; }
grep -q "^Errors (" "$work/expert.txt" && { echo "tshark: expert errors:"; cat "$work/expert.txt"; bad=1; }
for kind in "First Frame" "Consecutive Frame" "Flow control" "Single Frame"; do
    n=$(grep -c "$kind" "$work/decoded.txt" || true)
    echo "tshark: $n x $kind"
    [ "$n" -gt 0 ] || { echo "tshark: no $kind decoded"; bad=1; }
done
decoded=$(grep -c "ISO15765" "$work/decoded.txt" || true)
echo "tshark: $decoded of $frames logged frames decoded as ISO 15765"
[ "$decoded" = "$frames" ] || bad=1
[ $bad = 0 ] || { echo FAIL; exit 1; }
echo PASS
