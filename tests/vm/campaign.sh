#!/usr/bin/env bash
# A booted head unit (ctest vm.campaign, opt-in: CONDUIT_VM=1, root): the
# Debian 12 guest of tests/vm/image.sh with Conduit's .debs installed by apt
# boots Debian's kernel under qemu with systemd as PID 1; systemd starts
# conduitd.service (Type=notify, the packaged unit and its hardening). The
# guest polls conduit-devserver on the host's loopback (guestfwd) and runs
# update 2.0 for four devices on two agents in real runners: gw-1, ecu-1 and
# ecu-2 (example ECU agent) and hu-1 (flash agent, A/B file slots on the
# state disk), with a real reboot of the guest between activation and
# commit (qemu -no-reboot exits; this script powers it on again). The probe
# service in the guest reports on the serial console.
# Usage: campaign.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
vm_setup "$1" conduit-vm-campaign
vm_release
vm_fresh
vm_server
echo "devserver $server (guest: http://10.0.2.100), image $img"
boots=0 done=no
while [ $boots -lt 4 ]; do
  boots=$((boots + 1))
  log=console-$boots.log
  start=$SECONDS
  vm_start systemd "$log"
  rc=0; vm_wait_line "$log" '^VM-(DONE|STUCK)' "${CONDUIT_VM_BOOT_TIMEOUT:-1200}" || rc=$?
  grep -E '^VM-(ACTIVE|STATUS|BOOT)' "$log" | sed "s/^/  boot $boots: /" || true
  if [ $rc = 0 ]; then
    grep -q '^VM-DONE' "$log" && done=yes
    # The result reaches the server after the history entry: bounded wait.
    for _ in $(seq 120); do [ -n "$(vm_server_closed)" ] && break; sleep 0.5; done
    vm_kill
    echo "  boot $boots: probe finished after $((SECONDS - start)) s"
    break
  fi
  [ $rc = 2 ] && { vm_kill; vm_fail "boot $boots: no result within the limit; console: $(tail -30 "$log")"; }
  echo "  boot $boots: the guest rebooted after $((SECONDS - start)) s"
done
last=console-$boots.log
grep -E '^VM-(AGENTS|HISTORY)' "$last" || true
[ $done = yes ] || vm_fail "the campaign did not end: $(grep '^VM-' "$last" | tail -20)"
grep -q '^VM-ACTIVE: active pid1=systemd' console-1.log || vm_fail "conduitd.service not active under systemd: $(grep '^VM-' console-1.log)"
[ "$(vm_versions "$last")" = "ecu-1=2.0 ecu-2=2.0 gw-1=2.0 hu-1=2.0" ] || vm_fail "versions: $(vm_versions "$last")"
grep -q '^VM-HISTORY: .* success' "$last" || vm_fail "history: $(grep '^VM-HISTORY' "$last")"
[ "$(vm_server_closed)" = success ] || vm_fail "the server did not see success: $(vm_server_closed)"
[ $boots -ge 2 ] || vm_fail "the head unit was not rebooted into its new slot"
echo "PASS: campaign in the booted guest: 4 devices on 2.0 after $boots boots, server saw success"
ok=1
