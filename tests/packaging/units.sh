#!/usr/bin/env bash
# The systemd units pass `systemd-analyze verify` without a word (verify
# exits 0 even on a directive it ignores, so any output fails): the system
# service in a root that holds this machine's units, ours and stand-ins for
# the binaries it names; the HMI's user service with its ExecStart pointed
# at the built conduit-hmi (user units cannot be verified in a root).
# systemd need not be PID 1. Then the security exposure, printed, and held
# below 3.0 ("OK"); docs/packaging.md records it.
# Usage: units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }
[ -d /usr/lib/systemd/system ] || { echo "SKIP: no systemd units on this machine to verify against"; exit 77; }
work=$(mktemp -d /tmp/conduit-units.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
root=$work/root
mkdir -p "$root/usr/bin" "$root/usr/lib/systemd" "$root/etc"
ln -s usr/lib "$root/lib"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$src/packaging/systemd/conduitd.service" "$root/usr/lib/systemd/system/"
# stand-ins for the binaries (verify checks that ExecStart is executable)
printf '#!/bin/sh\n' > "$root/usr/bin/conduitd"
chmod 755 "$root/usr/bin/conduitd"
out=$(systemd-analyze verify --root="$root" "$root/usr/lib/systemd/system/conduitd.service" 2>&1) && rc=0 || rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then echo "FAIL conduitd.service: verify said (rc $rc):"; echo "$out"; fail=1
else echo "ok   conduitd.service verifies"; fi

if [ -x "$build/bin/conduit-hmi" ]; then
  mkdir -p "$work/run" && chmod 700 "$work/run"
  sed "s|^ExecStart=/usr/bin/conduit-hmi|ExecStart=$build/bin/conduit-hmi|" "$src/packaging/systemd/conduit-hmi.service" \
    > "$work/conduit-hmi.service"
  out=$(XDG_RUNTIME_DIR=$work/run systemd-analyze --user verify "$work/conduit-hmi.service" 2>&1) && rc=0 || rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then echo "FAIL conduit-hmi.service: verify said (rc $rc):"; echo "$out"; fail=1
  else echo "ok   conduit-hmi.service verifies (user unit)"; fi
else
  echo "SKIP conduit-hmi.service: conduit-hmi is not built here"
fi

score=$(systemd-analyze security --offline=yes --root="$root" conduitd.service 2>&1 | sed -n 's/.*Overall exposure level for conduitd.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then echo "FAIL no security score"; fail=1
elif awk -v s="$score" 'BEGIN { exit !(s < 3.0) }'; then echo "ok   systemd-analyze security: $score (below 3.0)"
else echo "FAIL systemd-analyze security: $score (3.0 or more)"; fail=1; fi
exit $fail
