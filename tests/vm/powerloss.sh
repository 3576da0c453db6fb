#!/usr/bin/env bash
# Real power loss on the VM head unit (opt-in: CONDUIT_VM=1, root; ctest
# vm.powerloss_quick runs 3 cuts): the guest of tests/vm/campaign.sh runs the
# same 4-device campaign, and qemu itself is SIGKILLed at a seeded moment of
# it, so whatever the guest kernel had not yet written to its virtual disks
# (page cache, an uncommitted ext4 journal) is lost. The guest is then
# powered on again until the probe reports the campaign's end, and the
# outcome is classified: new (all devices 2.0), old (all 1.0), mixed, stuck
# (no end within the bounds), lost (ended in the guest, result never
# reached the server). Counted apart: "new" in the guest while the server
# was told the action failed (a known race of the DDI admission, see
# docs/reliability.md).
#
# The moments: an uncut reference run measures each boot's length; cut k
# picks a boot and an instant in it from awk's srand(SEED * 1000 + k), so a
# run is reproducible up to TCG's timing; the server's last feedback at the
# cut says which step was hit.
#
# Boots use the minimal init (/usr/sbin/conduit-vm-init: conduitd started as the
# unit's ExecStart, no systemd; a systemd boot takes minutes under TCG);
# CONDUIT_VM_MODE=systemd boots systemd as PID 1 instead.
#
# Usage: powerloss.sh BUILD_DIR [CUTS [SEED]]      (defaults 3, 1)
# Result lines go to stdout and to $CONDUIT_VM_RESULTS (if set).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cuts=${2:-3}
seed=${3:-1}
mode=${CONDUIT_VM_MODE:-minimal}
vm_setup "$1" conduit-vm-powerloss
vm_release
results=${CONDUIT_VM_RESULTS:-$work/results.txt}

# run_campaign TAG CUT_BOOT CUT_AT: boots until the probe reports (at most
# 5 boots); SIGKILLs qemu CUT_AT seconds into boot CUT_BOOT (0: no cut).
# Sets boots, cut_step, durations ("d1 d2 ..."), last (its console log).
run_campaign() {
  local tag=$1 cut_boot=$2 cut_at=$3 start rc
  vm_fresh
  vm_server
  boots=0 cut_step=no-cut durations=""
  while [ $boots -lt 5 ]; do
    boots=$((boots + 1))
    last=$tag-boot$boots.log
    start=$SECONDS
    vm_start "$mode" "$last"
    if [ $boots = "$cut_boot" ]; then
      rc=0; vm_wait_line "$last" '^VM-(DONE|STUCK)' "$cut_at" || rc=$?
      if [ $rc = 2 ]; then
        vm_kill
        cut_step=$({ curl -sf "$server/admin/feedback?action=1" || true; } | tr '{' '\n' | grep -o '"execution":"[a-z]*"\|"details":\["[^"]*' | tail -2 | sed 's/.*"//' | tr '\n' '/' | sed 's|/$||' || true)
        cut_step=${cut_step:-before-feedback}
        durations+="$((SECONDS - start))! "
        continue
      fi
    else
      rc=0; vm_wait_line "$last" '^VM-(DONE|STUCK)' "${CONDUIT_VM_BOOT_TIMEOUT:-900}" || rc=$?
    fi
    durations+="$((SECONDS - start)) "
    if [ $rc = 0 ]; then
      for _ in $(seq 120); do [ -n "$(vm_server_closed)" ] && break; sleep 0.5; done
      vm_kill
      return 0
    fi
    [ $rc = 2 ] && { vm_kill; return 0; } # stuck: classified below
  done
}

classify() {
  local v
  v=$(vm_versions "$last")
  if ! grep -q '^VM-DONE' "$last"; then echo stuck
  elif [ -z "$(vm_server_closed)" ]; then echo lost
  elif [ "$v" = "ecu-1=2.0 ecu-2=2.0 gw-1=2.0 hu-1=2.0" ]; then echo new
  elif ! grep -q '=2\.0' <<< "$v"; then echo old # factory versions: 1.0.0 (example ECU), 1.0 (hu-1)
  else echo mixed
  fi
}

echo "reference run (no cut), $mode init"
t0=$SECONDS
run_campaign ref 0 0
ref_outcome=$(classify)
echo "reference: $ref_outcome (server: $(vm_server_closed)) after $boots boots ($durations s), versions $(vm_versions "$last")"
[ "$ref_outcome" = new ] || vm_fail "the uncut campaign did not succeed: $(grep '^VM-' "$last" | tail -20)"
read -r -a ref_d <<< "$durations"
ref_boots=$boots
total=0; for d in "${ref_d[@]}"; do total=$((total + d)); done

declare -A count=([new]=0 [old]=0 [mixed]=0 [stuck]=0 [lost]=0 [server_wrong]=0)
echo "# seed $seed, $cuts cuts, $mode init, reference boots ${ref_d[*]} s" >> "$results"
for k in $(seq "$cuts"); do
  # A boot of the reference run, weighted by its length, and an instant in it.
  read -r b at < <(awk -v s=$((seed * 1000 + k)) -v d="${ref_d[*]}" -v total=$total 'BEGIN {
    srand(s); n = split(d, len, " "); x = rand() * total
    for (i = 1; i <= n; i++) { if (x < len[i] || i == n) { printf "%d %d\n", i, (x < len[i] ? x : len[i] - 1) + 1; exit } x -= len[i] } }')
  t=$SECONDS
  run_campaign cut$k "$b" "$at"
  outcome=$(classify)
  count[$outcome]=$((count[$outcome] + 1))
  srv=$(vm_server_closed)
  [ "$outcome" = new ] && [ "$srv" != success ] && count[server_wrong]=$((count[server_wrong] + 1))
  line="cut $k: server ${srv:-none}; boot $b at ${at} s (step: $cut_step) -> $outcome after $boots boots (${durations}s), $(vm_versions "$last"), $((SECONDS - t)) s"
  echo "$line" | tee -a "$results"
done
elapsed=$((SECONDS - t0))
summary="powerloss: $cuts cuts (seed $seed, $mode init): new ${count[new]}, old ${count[old]}, mixed ${count[mixed]}, stuck ${count[stuck]}, lost ${count[lost]} (server told failure while all run 2.0: ${count[server_wrong]}); $elapsed s with the reference run"
echo "$summary" | tee -a "$results"
[ $((count[mixed] + count[stuck] + count[lost])) = 0 ] || vm_fail "$summary"
ok=1
