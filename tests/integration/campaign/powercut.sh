#!/usr/bin/env bash
# Power-cut harness: runs a 3-device campaign (gateway in phase 0, two ECUs
# in phase 1) through the real engine, journal and example-ECU runners, and
# cuts it at a seeded random point, drawn per run from the modes given:
#   engine  SIGKILL of the host (its runners die with it) at an engine crash
#           point (every journal write, every agent step)
#   fs      SIGKILL just before or just after a file-system call (open,
#           write, fsync, rename) on the state dir, in the host or a runner
#           (tests/faultfs: every window between two durable writes of the
#           journal, the history and the agents' state)
#   full    the disk fills up (ENOSPC, or EIO in a quarter of these runs) at
#           a file-system call and stays full for that life of the host
# In a third of the runs it kills the recovering host once more. Then it lets
# the host finish (the disk has room again) and checks that all devices are
# on the old version or all on the new one, idle, and that the recorded
# outcome says which (else: mixed, stuck or lost).
# Usage: powercut.sh BUILD_DIR [RUNS=200] [SEED=1] [MODES=engine,fs,full]
# With POWERCUT_KEEP=DIR, the state and the hosts' logs of every run that
# fails are kept there.
set -euo pipefail
build=$(cd "$1" && pwd)
runs=${2:-200}
seed=${3:-1}
IFS=, read -r -a modes <<< "${4:-engine,fs,full}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/campaign_fixture.sh"

# Size the crash-point spaces with one clean run: engine points, and the
# file-system calls the shim counts.
points=$(fs_host "$work/clean" -- | sed -n 's/^crash-points //p')
fsops=$(od -An -t d8 "$work/clean.counter" | tr -d ' ')
[ "${points:-0}" -gt 10 ] && [ "${fsops:-0}" -gt 10 ] || { echo "clean run failed"; exit 1; }

# One cut of the given mode; n is drawn by the caller.
cut() { # mode state-dir n
  local mode=$1 st=$2 n=$3
  case $mode in
    engine) run_host "$st" --crash-at "$n" ;;
    fs) fs_host "$st" FAULTFS_AT=$(((n + 1) / 2)) FAULTFS_WHEN=$([ $((n % 2)) -eq 1 ] && echo before || echo after) -- ;;
    full) fs_host "$st" FAULTFS_AT="$n" FAULTFS_TIMES=0 FAULTFS_ACTION=$([ $((RANDOM % 4)) -eq 0 ] && echo eio || echo enospc) -- ;;
  esac
}

RANDOM=$seed
consistent=0 mixed=0 stuck=0 lost=0 old=0 new=0 second=0
declare -A by_mode=()
for i in $(seq 1 "$runs"); do
  st=$work/run$i
  mode=${modes[$((RANDOM % ${#modes[@]}))]}
  by_mode[$mode]=$((${by_mode[$mode]:-0} + 1))
  case $mode in
    engine) n1=$((RANDOM % points + 1)) ;;
    fs) n1=$((RANDOM % (2 * fsops) + 1)) ;;
    full) n1=$((RANDOM % fsops + 1)) ;;
  esac
  set +e
  # (subshells keep bash from announcing each "Killed")
  (cut "$mode" "$st" "$n1" >/dev/null) 2>/dev/null; rc1=$?
  if [ $((RANDOM % 3)) -eq 0 ]; then
    second=$((second + 1))
    if [ $((RANDOM % 2)) -eq 0 ]; then (cut engine "$st" $((RANDOM % 40 + 1)) >/dev/null) 2>/dev/null
    else (cut fs "$st" $((RANDOM % 80 + 1)) >/dev/null) 2>/dev/null; fi
  fi
  final=$(run_host "$st"); rc3=$?
  set -e
  r=$(report "$st")
  devices=$(field devices "$r")
  outcome=$(field outcome "$r")
  all_old="ecu-1=1.0.0/idle ecu-2=1.0.0/idle gw-1=1.0.0/idle"
  all_new="ecu-1=2.0.0/idle ecu-2=2.0.0/idle gw-1=2.0.0/idle"
  versions=$(sed 's|/[a-z-]*||g; s|[a-z0-9-]*=||g' <<< "$devices" | tr ' ' '\n' | sort -u | wc -l)
  if [ $rc3 -eq 3 ]; then verdict=lost
  elif [ "$versions" -ne 1 ]; then verdict=mixed
  elif [ $rc3 -ne 0 ]; then verdict=stuck
  elif [ "$devices" = "$all_old" ]; then
    case $outcome in success|none) verdict=lost ;; *) verdict=old ;; esac
  elif [ "$devices" = "$all_new" ]; then
    [ "$outcome" = success ] && verdict=new || verdict=lost
  else verdict=stuck
  fi
  case $verdict in
    old|new) consistent=$((consistent + 1)); [ $verdict = old ] && old=$((old + 1)) || new=$((new + 1)) ;;
    *) eval "$verdict=\$(($verdict + 1))"
       [ -n "${POWERCUT_KEEP:-}" ] && mkdir -p "$POWERCUT_KEEP" && cp -r "$st" "$st.log" "$POWERCUT_KEEP/"
       echo "run $i ($mode cut at $n1, first exit $rc1): ${verdict^^}: $devices, outcome $outcome, final exit $rc3${final:+: $(tr '\n' ' ' <<< "$final")}" ;;
  esac
  rm -rf "$st" "$st.counter" "$st.log"
done
summary=""
for m in "${modes[@]}"; do summary+="${summary:+, }$m ${by_mode[$m]:-0}"; done
echo "powercut: $runs runs over $points engine crash points and $fsops file-system calls (seed $seed; $summary;" \
     "$second with a second cut during recovery): $consistent consistent ($new all-new, $old all-old)," \
     "$mixed mixed, $stuck stuck, $lost lost"
[ "$consistent" -eq "$runs" ]
