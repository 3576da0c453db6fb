#!/usr/bin/env bash
# The trusted state under power cuts and a full disk: `conduitctl provision`
# is cut (SIGKILL just before or just after) or refused (ENOSPC) at every
# file-system call it makes on the state dir (tests/faultfs). Afterwards the
# state is either absent, and provisioning again works, or complete, and
# verifies a bundle; a refused write says so and exits non-zero.
# Usage: truststate_cuts.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
repo_tool=$build/bin/conduit-repo ctl=$build/bin/conduitctl shim=$build/tests/faultfs/faultfs.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$repo_tool" keygen --seed aa --out droot.pem >/dev/null
"$repo_tool" init --repo repo --seed c0ffee --key director.root=droot.pem >/dev/null
echo "firmware 1.0" > fw.bin
"$repo_tool" add-target --repo repo fw.bin --name fw.bin --hardware-id hw-1 --release-counter 1 >/dev/null
"$repo_tool" assign --repo repo --ecu ECU-1 --target fw.bin >/dev/null
"$repo_tool" sign --repo repo >/dev/null
"$repo_tool" bundle --repo repo --out release.bundle >/dev/null

provision() { # state-dir [FAULTFS_X=...]
  local st=$1; shift
  mkdir -p "$st"
  env LD_PRELOAD="$shim" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    FAULTFS_PATH="$st/*:$st" FAULTFS_COUNTER="$st.counter" "$@" \
    "$ctl" provision --state "$st/trust.json" --director-root repo/director/metadata/1.root.json \
    --image-root repo/image/metadata/1.root.json
}
verifies() { "$ctl" verify release.bundle --state "$1/trust.json" --ecu ECU-1=hw-1 >/dev/null 2>&1; }

provision "$work/clean" >/dev/null
calls=$(od -An -t d8 "$work/clean.counter" | tr -d ' ')
[ "${calls:-0}" -ge 4 ] && verifies "$work/clean" || { echo "FAIL: clean provisioning ($calls calls)"; exit 1; }
failures=0 cases=0
for n in $(seq 1 "$calls"); do
  for fault in "FAULTFS_WHEN=before" "FAULTFS_WHEN=after" "FAULTFS_ACTION=enospc"; do
    st=$work/cut-$n-${fault#*=}
    cases=$((cases + 1))
    set +e
    err=$( (provision "$st" FAULTFS_AT="$n" "$fault" >/dev/null) 2>&1); rc=$?
    set -e
    problem=""
    if [ "$fault" = FAULTFS_ACTION=enospc ] && { [ $rc -eq 0 ] || ! grep -q "No space left" <<< "$err"; }; then
      problem="a refused write must fail with its reason (exit $rc: $err)"
    elif [ -e "$st/trust.json" ]; then
      verifies "$st" || problem="the state left behind does not verify"
    else
      (provision "$st" >/dev/null 2>&1) && verifies "$st" || problem="provisioning again failed"
    fi
    if [ -n "$problem" ]; then
      failures=$((failures + 1))
      echo "call $n, $fault: $problem"
    fi
  done
done
echo "truststate_cuts: $cases cuts over $calls file-system calls of provision: $failures failed"
[ "$failures" -eq 0 ]
