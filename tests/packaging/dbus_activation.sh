#!/usr/bin/env bash
# The activation file io.conduit.Host.service as a real dbus-daemon reads
# it: a private system-type bus with the file's directory as its service
# dir lists io.conduit.Host as activatable (a file it cannot parse, or one
# without a Name=, is left out). User= and SystemdService= are only read
# when a call activates the name: that needs systemd (the booted test).
# Usage: dbus_activation.sh SERVICE_FILE
set -euo pipefail
source "$(dirname "$0")/../integration/lib/systembus.sh"
file=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v dbus-daemon >/dev/null || { echo "SKIP: dbus-daemon is not installed"; exit 77; }
work=$(mktemp -d /tmp/conduit-activation.XXXXXX)
trap 'kill "${bus_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/services"
cp "$file" "$work/services/"
system_bus_start "$work" "  <servicedir>$work/services</servicedir>
  <policy context=\"default\">
    <allow user=\"*\"/>
    <allow send_destination=\"org.freedesktop.DBus\"/>
    <allow receive_type=\"method_return\"/>
  </policy>"
names=$(dbus-send --bus="$bus_address" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.ListActivatableNames)
if grep -q '"io.conduit.Host"' <<< "$names"; then
  echo "ok   io.conduit.Host is activatable on a system bus"
else
  echo "FAIL io.conduit.Host is not activatable:"; echo "$names"; cat "$work/bus.log"; exit 1
fi
