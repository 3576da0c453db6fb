#!/bin/sh
# The bootloader agent over ISO-TP on real kernel CAN: in a qemu guest with
# Debian's kernel (vcan, can-isotp), conduit-ecusim serves one single-bank
# ECU on vcan0 through its ISO-TP front, and the agent, driven through the
# C ABI by agentstep with the example seed/key library, reprograms it:
# inventory (version from the ECU), transfer, prepare, install, post_install,
# activate (the ECU reports the new version), commit; then a second update
# activated and rolled back (single bank: the kept image reflashed, the ECU
# reports the committed version again). candump logs the bus; on the host
# tshark decodes UDS inside ISO-TP: zero malformed frames, zero expert
# errors, every TransferData counter in order from 1 after each 0x74, and a
# responsePending (0x78) during the erases.
#
# Throughput (information, docs/benchmarks.md): with PINGPONG, the same
# number of 4095-byte blocks as one download goes through isotp_pingpong (the
# same ping-pong on bare CAN_ISOTP sockets, on ids 0x6e0/0x6e8) while candump
# runs; both are timed off the candump log, from the reply to the first block
# to the reply to the last full one.
#
#   isotp_agent_qemu.sh ECUSIM BOOTLOADER_SO SEEDKEY_SO AGENTSTEP [PINGPONG]   (as root; exits 77 = skipped otherwise)
# ISOTP_AGENT_IMAGE_KIB (default 48, at most 1000: the ECU has 1 MiB of flash) sizes
# the images; a longer run for the throughput: ISOTP_AGENT_IMAGE_KIB=1000.
set -eu

ECUSIM=$1 AGENT=$2 SEEDKEY=$3 AGENTSTEP=$4 PINGPONG=${5:-}
KIB=${ISOTP_AGENT_IMAGE_KIB:-48}
[ "$KIB" -ge 1 ] && [ "$KIB" -le 1000 ] || { echo "ISOTP_AGENT_IMAGE_KIB: 1 to 1000"; exit 2; }
BLOCKS=$(( ((KIB << 10) + 13 + 4092) / 4093 )) # one download: the image and its 13-byte version marker
TIMEOUT=${ISOTP_QEMU_TIMEOUT:-$((300 + KIB))} # seconds; an emulated (TCG) guest moves some 15-40 KiB/s

. "$(dirname "$0")/../lib/qemu_guest.sh"
guest_need_root
guest_install qemu-system-x86 busybox-static iproute2 can-utils tshark cpio binutils
ls /lib/modules/*/kernel/net/can/can-isotp.ko* >/dev/null 2>&1 || guest_install linux-image-amd64
guest_kernel can-isotp vcan
guest_root
guest_modules can-raw can-isotp vcan
copy_with_libs "$(command -v ip)" "$root/sbin/ip"
for tool in cansend candump; do copy_with_libs "$(command -v $tool)" "$root/usr/bin/$tool"; done
copy_with_libs "$ECUSIM" "$root/test/conduit-ecusim"
copy_with_libs "$AGENT" "$root/test/bootloader.so"
copy_with_libs "$SEEDKEY" "$root/test/libseedkey.so"
copy_with_libs "$AGENTSTEP" "$root/test/agentstep"
[ -z "$PINGPONG" ] || copy_with_libs "$PINGPONG" "$root/test/isotp_pingpong"
echo "$BLOCKS" > "$root/test/blocks"

# Application images carry their version ("CNDT-SWV:<version>\0"), as Intel HEX at 0x10000.
for v in 2.0 3.0; do
    { printf 'CNDT-SWV:%s\0' "$v"; head -c $((KIB << 10)) /dev/urandom; } > "$work/v$v.bin"
    objcopy -I binary -O ihex --change-addresses 0x10000 "$work/v$v.bin" "$root/test/v$v.hex"
    sha256sum "$root/test/v$v.hex" | cut -d' ' -f1 > "$root/test/v$v.sha256"
done
# P2 of 1 s, not 50 ms: an emulated guest on a loaded machine sometimes takes longer than 50 ms to
# receive a 4095-byte block and answer it (the agent takes P2 from the ECU's 0x50 reply).
cat > "$root/test/sim.json" <<'JSON'
{"ecus": [{"name": "bcm", "initialVersion": "1.0.0", "regions": [{"address": "0x10000", "size": "0x100000"}], "p2Ms": 1000,
           "isotp": {"interface": "vcan0", "rxId": "0x7e0", "txId": "0x7e8", "functionalId": "0x7df"}}]}
JSON
cat > "$root/test/agent.json" <<'JSON'
{"gateways": [{"id": "body-can", "transport": "isotp", "interface": "vcan0", "functional_can_id": "0x7DF"}],
 "seed_key": {"library": "/test/libseedkey.so", "variant": "conduit-example"},
 "ecus": [{"id": "bcm-1", "hardware_id": "bcm-v2", "gateway": "body-can", "tx_can_id": "0x7E0", "rx_can_id": "0x7E8",
           "profile": {"memory": [{"address": "0x10000", "size": "0x100000"}]}}]}
JSON

guest_init AGENT
cat >> "$work/init" <<'EOF'
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
for m in $(cat /lib/mod/order); do insmod /lib/mod/$m || fail "insmod $m"; done
ip link add dev vcan0 type vcan || fail "ip link add vcan0"
ip link set up vcan0 || fail "vcan0 up"
candump -L vcan0 > /tmp/can.log &
CANDUMP=$!

/test/conduit-ecusim --config /test/sim.json --state-dir /tmp/sim > /tmp/sim.out 2> /tmp/sim.log &
SIM=$!
for _ in $(seq 250); do grep -q '^listening isotp=bcm@vcan0$' /tmp/sim.out && break; usleep 20000; done
grep -q '^listening isotp=' /tmp/sim.out || fail "conduit-ecusim did not start: $(cat /tmp/sim.out /tmp/sim.log)"

# step NAME [DEVICE VERSION]: one ABI call; its "result" line and the time it took.
step() {
    name=$1; shift
    t0=$(uptime_ms)
    if [ $# -gt 0 ]; then
        /test/agentstep /test/bootloader.so /test/agent.json /tmp/agent "$name" "$1" "$2" "/test/v$2.hex" \
            "$(cat /test/v$2.sha256)" "{\"conduit\":{\"version\":\"$2\"},\"bootloader\":{\"format\":\"ihex\"}}" \
            > /tmp/out 2> /tmp/err
    else
        /test/agentstep /test/bootloader.so /test/agent.json /tmp/agent "$name" > /tmp/out 2> /tmp/err
    fi
    rc=$?
    echo "step $name $* ($(( $(uptime_ms) - t0 )) ms): $(cat /tmp/out | tr '\n' ' ')"
    [ $rc = 0 ] || { fail "$name $*"; tail -5 /tmp/err; }
}
expect() { # state version: the inventory reports them
    step inventory
    grep -q "^device bcm-1 state=$1 current=$2$" /tmp/out && echo "ok: bcm-1 $1 on $2" || fail "expected bcm-1 state=$1 current=$2"
}
mkdir -p /tmp/agent
expect idle 1.0.0
for s in transfer prepare install post_install activate; do step $s bcm-1 2.0; done
expect activated 2.0
step commit bcm-1 2.0
expect idle 2.0
for s in transfer prepare install post_install activate; do step $s bcm-1 3.0; done
expect activated 3.0
step rollback bcm-1 3.0
expect rolled-back 2.0

if [ -x /test/isotp_pingpong ]; then
    n=$(cat /test/blocks)
    /test/isotp_pingpong ecu vcan0 6e0 6e8 $n &
    PP=$!
    for _ in $(seq 250); do grep -qi " 0*6e0 .*isotp" /proc/net/can/rcvlist_sff 2>/dev/null && break; usleep 20000; done
    /test/isotp_pingpong tester vcan0 6e0 6e8 $n 4095 || fail "isotp_pingpong"
    wait $PP || fail "isotp_pingpong ecu"
fi

kill $SIM; wait $SIM
echo "simulator exited $? (0: stopped on its signal)"
grep -c "<- TransferData" /tmp/sim.log | sed 's/^/simulator: TransferData requests: /'
# A marker frame on an id nobody uses: once candump logged it, it has logged everything before it.
cansend vcan0 5A5#0100
for _ in $(seq 250); do grep -q " vcan0 5A5#0100" /tmp/can.log && break; usleep 20000; done
kill $CANDUMP; wait $CANDUMP 2>/dev/null
echo "CANDUMP-BEGIN"
grep -v " vcan0 5A5#" /tmp/can.log
echo "CANDUMP-END"
[ $fails = 0 ] || { echo "simulator log:"; tail -n 30 /tmp/sim.log; }
if [ $fails = 0 ]; then echo "AGENT-TEST: PASS"; else echo "AGENT-TEST: FAIL ($fails)"; fi
sync
poweroff -f
EOF
started=$(date +%s)
guest_boot "$work/init"
tr -d '\r' < "$log" > "$work/console.txt"
grep -E "^(ok:|step |AGENT-|simulator|pingpong:)" "$work/console.txt" || true
echo "guest run: $(( $(date +%s) - started )) s"
if ! grep -q "AGENT-TEST: PASS" "$work/console.txt"; then
    echo "FAIL (qemu exit $qrc); console:"; sed "/^CANDUMP-BEGIN$/,/^CANDUMP-END$/d" "$work/console.txt" | tail -n 80
    exit 1
fi

# tshark: UDS inside ISO-TP inside CAN.
sed -n '/^CANDUMP-BEGIN$/,/^CANDUMP-END$/p' "$work/console.txt" | sed '1d;$d' > "$work/can.log"
[ -z "${CONDUIT_KEEP_CANDUMP:-}" ] || cp "$work/can.log" "$CONDUIT_KEEP_CANDUMP" # for a look in Wireshark
decode="-d can.subdissector,iso15765 -d iso15765.subdissector,uds"
bad=0
tshark -r "$work/can.log" $decode -Y "_ws.malformed || _ws.expert.severity >= error" \
    -T fields -e frame.number -e _ws.expert.message > "$work/bad.txt" 2>/dev/null
if [ -s "$work/bad.txt" ]; then echo "tshark: malformed frames or expert errors:"; head "$work/bad.txt"; bad=1; fi
tshark -r "$work/can.log" $decode -Y uds -T fields -E separator=';' \
    -e uds.sid -e uds.reply -e uds.td.block_sequence_counter -e uds.err.code -e can.id -e frame.time_relative \
    > "$work/uds.txt" 2>/dev/null
# Per download: TransferData requests numbered 1, 2, ... (wrapping 0xff -> 0x00) after each 0x74.
awk -F';' -v kib="$KIB" '
    function num(s,   v, i) { # "0x36" or "54" (mawk has no strtonum)
        if (s !~ /^0x/) return s + 0
        s = tolower(substr(s, 3)); v = 0
        for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v
    }
    { sid = num($1); reply = num($2); id = num($5) }
    # Timing, agent (0x7e8) and floor (0x6e8) alike: the replies to TransferData, per download.
    sid == 54 && reply && (id == 2024 || id == 1768) {
        k = id == 2024 ? downloads : "floor"
        n[k]++; t[k, n[k]] = $6
    }
    id != 2016 && id != 2024 { next } # the agent and the ECU only from here: 0x7e0, 0x7e8
    sid == 52 && reply { downloads++; expected = 1 }
    sid == 54 && !reply {
        blocks++
        c = num($3)
        if (c != expected) { printf "tshark: block counter %d, expected %d (download %d)\n", c, expected, downloads; bad = 1 }
        expected = (c + 1) % 256
    }
    num($4) == 120 { pending++ } # hex literals are not portable awk: 0x34, 0x36, 0x78
    END {
        printf "tshark: %d UDS messages, %d downloads, %d TransferData blocks, %d responsePending\n", NR, downloads, blocks, pending
        for (k in n) if (n[k] >= 3) { # blocks 2 .. N-1 between the first reply and the one before the last (full blocks)
            ms = (t[k, n[k] - 1] - t[k, 1]) * 1000
            if (ms > 0) printf "throughput %s: %d blocks of 4093 data bytes in %.1f ms, %.1f KiB/s\n",
                k == "floor" ? "floor (isotp_pingpong)" : "agent download " k, n[k] - 2, ms, (n[k] - 2) * 4093 / 1.024 / ms
        }
        # v2.0, v3.0, then v2.0 again (the rollback reflash), each of at least KIB/4 blocks of 4093 bytes.
        if (downloads != 3 || blocks < 3 * int(kib / 4) || pending < 3) bad = 1
        exit bad
    }' "$work/uds.txt" || bad=1
[ $bad = 0 ] || { echo FAIL; exit 1; }
echo PASS
