#!/usr/bin/env bash
# The activation file io.conduit.Host.service as a real dbus-daemon reads
# it: a private system-type bus with the file's directory as its service
# dir lists io.conduit.Host as activatable (a file it cannot parse, or one
# without a Name=, is left out). User= and SystemdService= are only read
# when a call activates the name: that needs systemd (the booted test).
# Usage: dbus_activation.sh SERVICE_FILE
set -euo pipefail
file=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v dbus-daemon >/dev/null || { echo "SKIP: dbus-daemon is not installed"; exit 77; }
work=$(mktemp -d /tmp/conduit-activation.XXXXXX)
trap 'kill "${bus_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/services"
cp "$file" "$work/services/"
cat > "$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$work/services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow receive_type="method_return"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile --print-address=3 3>"$work/address" 2>"$work/bus.log" &
bus_pid=$!
for _ in $(seq 200); do [ -s "$work/address" ] && break; sleep 0.05; done
[ -s "$work/address" ] || { echo "FAIL: dbus-daemon did not start"; cat "$work/bus.log"; exit 1; }
names=$(dbus-send --bus="unix:path=$work/bus" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.ListActivatableNames)
if grep -q '"io.conduit.Host"' <<< "$names"; then
  echo "ok   io.conduit.Host is activatable on a system bus"
else
  echo "FAIL io.conduit.Host is not activatable:"; echo "$names"; cat "$work/bus.log"; exit 1
fi
