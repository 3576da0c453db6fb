#!/usr/bin/env bash
# Bootloader benchmarks (issue 14); figures go to docs/benchmarks.md
# ("Bootloader: DoIP transfer" and "Bootloader: a real install").
# Usage: tests/bench/bootloader/run.sh [build-dir]   (default: build)
# Environment: SIZE_MIB (16), RUNS (7, bench_doip), AGENT_RUNS (3, bench_agent).
# Needs the targets bench_doip and bench_agent built.
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build}
dir=$build/tests/bench/bootloader
mib=${SIZE_MIB:-16}
runs=${RUNS:-7}
agent_runs=${AGENT_RUNS:-3}
for b in bench_doip bench_agent; do
  [ -x "$dir/$b" ] || { echo "run.sh: $dir/$b missing: cmake --build $build --target $b" >&2; exit 2; }
done
export QT_LOGGING_RULES="conduit.*=false" # the bench prints its own errors

summary() { grep '^summary' <<<"$1"; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

echo "== DoIP transfer, ${mib} MiB, the entity writes ACK and response in one segment"
out=$("$dir/bench_doip" "$mib" 4095 "$runs" coalesce); echo "$out"; coalesced=$(summary "$out")
echo "== DoIP transfer, ${mib} MiB, ACK and response as two segments"
out=$("$dir/bench_doip" "$mib" 4095 "$runs"); echo "$out"; separate=$(summary "$out")
echo "== A real install through the agent and the runner against conduit-ecusim --no-sync, ${mib} MiB raw"
out=$("$dir/bench_agent" "$mib" "$agent_runs"); echo "$out"; agent=$(summary "$out")

floor=$(field "$coalesced" floor_mib_per_s)
echo
echo "| path | MiB/s | / floor | CPU ms/MiB |"
echo "|---|---|---|---|"
printf '| floor: TCP ping-pong, 4095-byte requests, 2-byte answers | %s | 1.00 | %s (both ends) |\n' \
  "$floor" "$(field "$coalesced" floor_cpu_ms_per_mib)"
printf '| DoIP tester + UDS client, ACK and response in one segment | %s | %s (%s-%s) | %s (tester + entity) |\n' \
  "$(field "$coalesced" doip_mib_per_s)" "$(field "$coalesced" ratio)" "$(field "$coalesced" ratio_min)" \
  "$(field "$coalesced" ratio_max)" "$(field "$coalesced" doip_cpu_ms_per_mib)"
printf '| DoIP tester + UDS client, ACK and response as two segments | %s | %s (%s-%s) | %s (tester + entity) |\n' \
  "$(field "$separate" doip_mib_per_s)" "$(field "$separate" ratio)" "$(field "$separate" ratio_min)" \
  "$(field "$separate" ratio_max)" "$(field "$separate" doip_cpu_ms_per_mib)"
printf '| agent vs conduit-ecusim: TransferData blocks alone (from progress) | %s | %s * | |\n' \
  "$(field "$agent" block_mib_per_s)" "$(field "$agent" block_ratio)"
printf '| agent install step (erase, download, check) | %s | %s * | |\n' \
  "$(field "$agent" install_mib_per_s)" "$(field "$agent" install_ratio)"
printf '| agent, whole sequence (transfer .. activate), %s s | %s | | host %s, runner %s, simulator %s |\n' \
  "$(field "$agent" seconds)" "$(field "$agent" mib_per_s)" "$(field "$agent" host_cpu_ms_per_mib)" \
  "$(field "$agent" runner_cpu_ms_per_mib)" "$(field "$agent" sim_cpu_ms_per_mib)"
echo "* against the floor bench_agent measures right before each install ($(field "$agent" floor_mib_per_s) MiB/s median)"
