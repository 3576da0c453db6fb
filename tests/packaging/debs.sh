#!/usr/bin/env bash
# The Debian packages: scripts/package builds them from this build tree;
# their contents (dpkg-deb -c), control data (Depends from shlibdeps,
# maintainer scripts, conffiles) and lintian (no errors; warnings are
# listed in docs/packaging.md and printed here). Then the shipped
# configuration with the packaged conduitd: it loads without a warning and
# the agents it enables start (the packaged tree unpacked, its absolute
# paths moved under the unpacked root, nothing else changed).
# Usage: debs.sh SOURCE_DIR BUILD_DIR     (needs dpkg-deb and lintian)
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
for tool in dpkg-deb lintian; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps)"; exit 77; }
done
work=$(mktemp -d /tmp/conduit-debs.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

BUILD_DIR=$build "$src/scripts/package" "$work/debs" >/dev/null
deb() { ls "$work"/debs/"$1"_*.deb; }
packages=(conduitd conduit-tools conduit-agent-dev)
[ -x "$build/bin/conduit-hmi" ] && packages+=(conduit-hmi)
for p in "${packages[@]}"; do
  [ -f "$(deb "$p")" ] && ok "$p built: $(basename "$(deb "$p")")" || bad "$p not built"
done

# contents: package -> paths it must hold
declare -A want
want[conduitd]="./usr/bin/conduitd ./usr/bin/conduitctl ./usr/libexec/conduit/conduit-agent-runner
  ./usr/lib/conduit/agents/example-ecu.so ./usr/lib/conduit/agents/example-ecu.json ./usr/lib/conduit/agents/example-sink.so
  ./usr/lib/conduit/agents/flash.so ./usr/lib/conduit/agents/bootloader.so ./usr/lib/conduit/agents/camera.so
  ./usr/lib/conduit/agents/libconduit-seedkey-example.so
  ./etc/conduit/conduit.conf ./etc/conduit/agents.d/example-ecu.json ./etc/conduit/agents.d/example-sink.json
  ./etc/conduit/agent-config/io.conduit.example.ecu.json ./lib/systemd/system/conduitd.service
  ./usr/share/dbus-1/system.d/io.conduit.Host.conf ./usr/share/dbus-1/system-services/io.conduit.Host.service
  ./usr/share/doc/conduitd/copyright ./usr/share/doc/conduitd/changelog.gz ./usr/share/doc/conduitd/packaging.md"
want[conduit-tools]="./usr/bin/conduit-repo ./usr/bin/conduit-devserver ./usr/bin/conduit-delta ./usr/bin/conduit-ecusim
  ./usr/share/doc/conduit-tools/copyright"
want[conduit-agent-dev]="./usr/include/conduit/agent.h ./usr/include/conduit/agent.hpp ./usr/include/conduit/seedkey.h
  ./usr/lib/cmake/ConduitAgent/ConduitAgentConfig.cmake ./usr/lib/pkgconfig/conduit-agent.pc
  ./usr/share/doc/conduit-agent-dev/copyright"
want[conduit-hmi]="./usr/bin/conduit-hmi ./usr/lib/systemd/user/conduit-hmi.service ./usr/share/doc/conduit-hmi/copyright
  ./usr/share/doc/conduit-hmi/hmi.md"
# and what must not be there: the tests' and the vendor test kit's files,
# a second copy of a file (every path belongs to one package)
for p in "${packages[@]}"; do
  dpkg-deb -c "$(deb "$p")" | awk '{print $6}' | sed 's|/$||' > "$work/$p.list"
  dpkg-deb -c "$(deb "$p")" | awk '$1 !~ /^d/ {print $6}' > "$work/$p.files"
  missing=""
  for path in ${want[$p]}; do grep -qxF "$path" "$work/$p.list" || missing+=" $path"; done
  [ -z "$missing" ] && ok "$p holds its files ($(wc -l < "$work/$p.list") paths)" || bad "$p lacks:$missing"
  grep -E 'tst_|/tests?/|testkit|powercut|faultfs' "$work/$p.list" && bad "$p ships test files" || true
done
cat "$work"/*.files | sort | uniq -d > "$work/dups"
[ -s "$work/dups" ] && bad "files in two packages: $(tr '\n' ' ' < "$work/dups")" || ok "no file is in two packages"

# each unit's Documentation= file:// is in its package
for p in "${packages[@]}"; do
  for unit in $(grep -E '\.service$' "$work/$p.list"); do
    for doc in $(dpkg-deb --fsys-tarfile "$(deb "$p")" | tar -xOf - "$unit" | sed -n 's|^Documentation=||p' | tr ' ' '\n' | sed -n 's|^file://|.|p'); do
      grep -qxF "$doc" "$work/$p.list" && ok "$unit: its documentation $doc is in $p" || bad "$unit names $doc, not in $p"
    done
  done
done

# control data
depends=$(dpkg-deb -f "$(deb conduitd)" Depends)
for d in adduser dbus libqt6core6 libqt6dbus6 libbotan-2 libcurl4 libc6; do
  grep -q "$d" <<< "$depends" || bad "conduitd Depends lacks $d: $depends"
done
ok "conduitd Depends: $depends"
mkdir -p "$work/control"
dpkg-deb -e "$(deb conduitd)" "$work/control"
for s in postinst prerm postrm; do
  [ -x "$work/control/$s" ] && sh -n "$work/control/$s" && ok "conduitd $s (sh -n)" || bad "conduitd $s missing or broken"
done
grep -q 'adduser .*--system.*conduit-agent' "$work/control/postinst" && ok "postinst creates the conduit-agent system user" ||
  bad "postinst creates no system user"
for c in /etc/conduit/conduit.conf /etc/conduit/agents.d/example-ecu.json /etc/conduit/agent-config/io.conduit.example.ecu.json; do
  grep -qxF "$c" "$work/control/conffiles" || bad "$c is not a conffile"
done
ok "conffiles: $(tr '\n' ' ' < "$work/control/conffiles")"
[ "$(dpkg-deb -f "$(deb conduit-agent-dev)" Architecture)" = all ] && ok "conduit-agent-dev is Architecture: all" ||
  bad "conduit-agent-dev is not Architecture: all"

# lintian: errors fail, warnings are printed (and listed in docs/packaging.md)
lintian --tag-display-limit 0 "$work"/debs/*.deb > "$work/lintian.txt" 2>&1 || true
grep -E '^[EW]: ' "$work/lintian.txt" | sort | uniq -c | sed 's/^/  lintian /' || true
if grep -q '^E: ' "$work/lintian.txt"; then bad "lintian reports errors"; else ok "lintian: no errors"; fi

# The shipped configuration with the packaged conduitd.
root="$work/root"
mkdir -p "$root"
dpkg-deb -x "$(deb conduitd)" "$root"
moved() { sed -e "s|/etc/conduit|$root/etc/conduit|g" -e "s|/usr/|$root/usr/|g" -e "s|/var/lib/conduit|$root/var/lib/conduit|g" "$1"; }
for f in "$root"/etc/conduit/conduit.conf "$root"/etc/conduit/agents.d/*.json; do
  moved "$f" > "$f.moved" && mv "$f.moved" "$f"
done
sed -i 's/^bus = system/bus = session/' "$root/etc/conduit/conduit.conf" # not used by --inventory
mkdir -p "$root/var/lib/conduit"
inv=$("$root/usr/bin/conduitd" --config "$root/etc/conduit/conduit.conf" --inventory --json 2>"$work/inventory.err") ||
  bad "conduitd --inventory with the shipped configuration failed"
# The one warning expected: the package turns the runners' compartments off
# (they cannot be applied under conduitd.service, docs/packaging.md).
grep -v -F "agents run unsandboxed, with conduitd's privileges ([agents] sandbox = off" "$work/inventory.err" > "$work/inventory.other" || true
grep -q -F "([agents] sandbox = off" "$work/inventory.err" || bad "the shipped configuration does not turn the runners' compartments off"
[ -s "$work/inventory.other" ] && bad "the shipped configuration gives warnings: $(cat "$work/inventory.other")" ||
  ok "the shipped configuration loads without another warning"
for dev in example-ecu-1 sink-1; do
  grep -q "\"id\": \"$dev\"" <<< "$inv" && ok "shipped agent's device $dev is up" || bad "no $dev: $inv"
done
# A '#' line is a key to QSettings: the check above would catch one.
grep -n '^[[:space:]]*#' "$src/packaging/etc/conduit.conf" && bad "conduit.conf has '#' lines" || true

# The SDK, unpacked anywhere, points pkg-config at itself.
sdk="$work/sdk"
mkdir -p "$sdk"
dpkg-deb -x "$(deb conduit-agent-dev)" "$sdk"
cflags=$(PKG_CONFIG_PATH="$sdk/usr/lib/pkgconfig" pkg-config --cflags conduit-agent | xargs)
[ "$(realpath -m "${cflags#-I}")" = "$sdk/usr/include" ] && ok "pkg-config --cflags conduit-agent: $cflags" || bad "pkg-config gives '$cflags'"
exit $fail
