#!/usr/bin/env bash
# Agent subsystem benchmarks; figures go to docs/benchmarks.md ("Agents").
# Usage: tests/bench/agents/run.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build}
bench=$build/tests/bench/agents/bench_agents
size_mib=${SIZE_MIB:-1024}
data=$(mktemp -p /tmp conduit-bench.XXXXXX)
trap 'rm -rf "$data" "$state"' EXIT
state=$(mktemp -d)
head -c "${size_mib}M" /dev/urandom > "$data"
cat "$data" > /dev/null # page cache warm for both sides

echo "== IPC payload throughput, ${size_mib} MiB (3 runs each, interleaved)"
for i in 1 2 3; do
  t0=$(date +%s.%N); cat "$data" | cat > /dev/null; t1=$(date +%s.%N)
  pipe=$(echo "$t1 - $t0" | bc -l)
  line=$("$bench" throughput "$data")
  ours=$(echo "$line" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' | head -1)
  printf 'run %d: cat|cat %.3f s, host->runner->agent %.3f s, ratio (pipe time / ours) %.2f\n' \
    "$i" "$pipe" "$ours" "$(echo "$pipe / $ours" | bc -l)"
  echo "  $line" | tr '\n' ' '; echo
done

echo "== Runner start + negotiate + inventory"
"$bench" start 50
if [ "$(id -u)" = 0 ]; then
  echo "== ... without and with the compartment (runner/sandbox.h), 5 interleaved rounds of 20"
  for i in 1 2 3 4 5; do
    echo "round $i: plain     $("$bench" start 20)"
    echo "round $i: sandboxed $("$bench" start 20 sandbox)"
  done
else
  echo "== sandboxed start: SKIPPED (not root: the compartment switches uids)"
fi

echo "== Host idle for 10 s with the example agents"
"$build/bin/conduitd" --state-dir "$state" 2>/dev/null &
pid=$!
# Wait until both runners exist (bounded: 5 s).
for _ in $(seq 50); do [ "$(pgrep -P $pid | wc -l)" -ge 2 ] && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pids="$pid $(pgrep -P $pid | tr '\n' ' ')"
before=0; for p in $pids; do before=$((before + $(ticks $p))); done
sleep 10
after=0; for p in $pids; do after=$((after + $(ticks $p))); done
hz=$(getconf CLK_TCK)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
runner_rss=0; for p in $(pgrep -P $pid); do runner_rss=$((runner_rss + $(awk '/VmRSS/ {print $2}' /proc/$p/status))); done
kill $pid; wait $pid 2>/dev/null || true
printf 'cpu over 10 s (host + runners): %d ticks (%.2f%% of one core); host RSS %d KiB; runners RSS %d KiB total\n' \
  $((after - before)) "$(echo "($after - $before) / $hz / 10 * 100" | bc -l)" "$rss" "$runner_rss"
