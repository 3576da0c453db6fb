# Shared by tests/vm/campaign.sh and tests/vm/powerloss.sh (sourced): the
# VM head unit (tests/vm/image.sh), its campaign from conduit-devserver on
# the host's loopback, and qemu runs of it. docs/reliability.md#a-booted-head-unit.
#
#   vm_setup BUILD_DIR NAME    opt-in/root checks, the packages, the image; $work (cwd), $img, $bin
#   vm_release                 repo/ and www/: update 2.0 for gw-1 ecu-1 ecu-2 (example ECU) and hu-1 (flash agent)
#   vm_fresh                   a fresh state disk (state.img: trust roots, slot A 1.0, empty B) and root overlay
#   vm_server                  conduit-devserver on 127.0.0.1 (a new one: fresh actions) and the deployment
#   vm_start MODE LOG          qemu in the background ($qemu_pid); MODE systemd or minimal (/usr/sbin/conduit-vm-init)
#   vm_wait_exit SECONDS       waits for qemu to exit (the guest rebooted or powered off); 1 on timeout
#   vm_kill                    SIGKILL qemu (a power cut) and reap it
#   vm_versions LOG            "ecu-1=2.0 ecu-2=2.0 gw-1=2.0 hu-1=2.0" from the probe's VM-AGENTS lines
#   vm_server_closed           the server's last "finished" for action 1 (success/failure) or nothing

vm_skip() { echo "SKIP: $*"; exit 77; }

vm_setup() {
  [ "${CONDUIT_VM:-0}" = 1 ] || vm_skip "opt-in VM test: set CONDUIT_VM=1 (boots a Debian guest under qemu; minutes)"
  [ "$(id -u)" = 0 ] || vm_skip "needs root (debootstrap, chroot, mkfs)"
  for tool in qemu-system-x86_64 qemu-img debootstrap socat mkfs.ext4 curl; do
    command -v "$tool" >/dev/null || vm_skip "$tool is missing (scripts/install-deps)"
  done
  build=$(cd "$1" && pwd)
  bin=$build/bin
  vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  kver=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -1)
  [ -n "$kver" ] && [ -r "/boot/initrd.img-$kver" ] || vm_skip "no Debian kernel and initramfs in /boot"
  debs=${CONDUIT_VM_DEBS:-$build/packages}
  if ! ls "$debs"/conduitd_*.deb >/dev/null 2>&1; then
    BUILD_DIR=$build "$vm_dir/../../scripts/package" "$debs" >/dev/null
  fi
  img=$("$vm_dir/image.sh" "$debs" | tail -n 1)
  work=$(mktemp -d "/tmp/$2.XXXXXX")
  trap vm_cleanup EXIT
  cd "$work" || exit 1
}

vm_cleanup() {
  vm_kill
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
  if [ "${ok:-0}" = 1 ] && [ -z "${CONDUIT_VM_KEEP:-}" ]; then rm -rf "$work"
  else echo "(kept: $work)"; fi
}

vm_fail() { echo "FAIL: $*" >&2; exit 1; }

vm_release() {
  mkdir -p images
  "$bin/conduit-repo" init --repo repo --seed 42 >/dev/null
  for dev in gw-1:gateway:0:1 ecu-1:brake:1:1 ecu-2:brake:1:1 hu-1:hu-sim:2:4; do
    IFS=: read -r id hw phase mib <<< "$dev"
    head -c $((mib << 20)) /dev/urandom > "images/$id-2.0.img"
    "$bin/conduit-repo" add-target --repo repo "images/$id-2.0.img" --hardware-id "$hw" \
      --release-counter 2 --phase "$phase" --version 2.0 >/dev/null
    "$bin/conduit-repo" assign --repo repo --ecu "$id" --target "$id-2.0.img" >/dev/null
  done
  "$bin/conduit-repo" sign --repo repo >/dev/null
  "$bin/conduit-repo" publish --repo repo --out www >/dev/null
  mkdir -p state.tpl/slots state.tpl/boot
  "$bin/conduitctl" provision --state state.tpl/trust.json \
    --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json >/dev/null
  head -c $((4 << 20)) /dev/urandom > state.tpl/slots/hu-a.img
  : > state.tpl/slots/hu-b.img
  chmod 0700 state.tpl
}

vm_fresh() {
  rm -f state.img root.qcow2
  mkfs.ext4 -q -L conduit-state -d state.tpl state.img 256M
  qemu-img create -q -f qcow2 -F raw -b "$img" root.qcow2
}

vm_server() {
  [ -n "${server_pid:-}" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
  : > server.out
  "$bin/conduit-devserver" --port 0 --repo www --poll-sleep 00:00:01 > server.out 2>> server.log &
  server_pid=$!
  for _ in $(seq 200); do grep -q '^listening on' server.out && break; sleep 0.1; done
  server=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' server.out | head -1)
  [ -n "$server" ] || vm_fail "conduit-devserver did not start: $(tail -3 server.log)"
  port=${server##*:}
  local action
  action=$(curl -sf -X POST "$server/admin/deployments" -d "{\"controller\":\"vin-0042\",\"chunks\":[
    {\"part\":\"ecus\",\"version\":\"2.0\",\"artifacts\":[\"$work/images/gw-1-2.0.img\",\"$work/images/ecu-1-2.0.img\",\"$work/images/ecu-2-2.0.img\"]},
    {\"part\":\"head-unit\",\"version\":\"2.0\",\"artifacts\":[\"$work/images/hu-1-2.0.img\"]}]}" |
    sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
  [ "$action" = 1 ] || vm_fail "deployment not created (action '$action')"
}

vm_server_closed() {
  { curl -sf "$server/admin/feedback?action=1" || true; } | tr ',' '\n' | { grep -o '"finished":"[a-z]*"' || true; } | tail -1 | cut -d'"' -f4
}

# One power-on. The guest reaches the server as 10.0.2.100:80 (guestfwd:
# each connection becomes a socat to the host's 127.0.0.1:$port);
# restrict=on: nothing else outside the guest is reachable.
vm_start() {
  local mode=$1 init=""
  [ "$mode" = minimal ] && init="init=/usr/sbin/conduit-vm-init"
  rm -f "$2"
  nice -n 10 qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nodefaults -no-reboot \
    -display none -monitor none -serial "file:$2" \
    -kernel "/boot/vmlinuz-$kver" -initrd "/boot/initrd.img-$kver" \
    -append "console=ttyS0 no_timer_check root=/dev/vda rw panic=-1 loglevel=4 conduit_vm.wait=${CONDUIT_VM_WAIT:-900} conduit_vm.time=$(date +%s) $init" \
    -drive file=root.qcow2,format=qcow2,if=virtio \
    -drive file=state.img,format=raw,if=virtio \
    -netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:127.0.0.1:$port" \
    -device virtio-net-pci,netdev=n0 &
  qemu_pid=$!
}

vm_wait_exit() {
  local end=$((SECONDS + $1))
  while kill -0 "$qemu_pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.5
  done
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=
  return 0
}

# Waits until LOG has a line matching REGEX (0), qemu exited (1) or SECONDS passed (2).
vm_wait_line() {
  local log=$1 re=$2 end=$((SECONDS + $3))
  while :; do
    grep -qE "$re" "$log" 2>/dev/null && return 0
    kill -0 "$qemu_pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$end" ] || return 2
    sleep 0.5
  done
}

vm_kill() {
  [ -n "${qemu_pid:-}" ] || return 0
  kill -KILL "$qemu_pid" 2>/dev/null || true
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=
}

vm_versions() {
  awk '$1 == "VM-AGENTS:" && $2 != "DEVICE" && $2 != "status:" && $2 != "sink-1" {print $2 "=" $5}' "$1" | sort | tr '\n' ' ' | sed 's/ $//'
}
