#!/usr/bin/env bash
# The D-Bus policy, enforced by a real dbus-daemon: a private system-type bus
# that loads data/dbus/io.conduit.Host.conf, conduitd (root) on it, and
# busctl calls as root and as an unprivileged user (nobody).
# Usage: dbus_policy.sh BUILD_DIR POLICY_FILE    (needs root to switch users)
set -euo pipefail
source "$(dirname "$0")/../lib/systembus.sh"
build=$(cd "$1" && pwd)
policy=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
if [ "$(id -u)" -ne 0 ]; then
  echo "needs root to run callers as another user"
  exit 77 # reported as skipped by ctest
fi
work=$(mktemp -d)
chmod 755 "$work"
cleanup() { kill "${host_pid:-}" "${bus_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
system_bus_start "$work" "  <policy context=\"default\">
    <allow user=\"*\"/>
    <deny own=\"*\"/>
    <deny send_type=\"method_call\"/>
    <allow send_type=\"signal\"/>
    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>
    <allow send_requested_reply=\"true\" send_type=\"error\"/>
    <allow receive_type=\"method_call\"/>
    <allow receive_type=\"method_return\"/>
    <allow receive_type=\"error\"/>
    <allow receive_type=\"signal\"/>
    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>
    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Introspectable\"/>
  </policy>
  <include>$policy</include>"
chmod 777 "$work/bus"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus"
mkdir -p "$work/state"
printf '[host]\nbus = system\nstate_dir = %s/state\n[vehicle]\nsource = simulation\n[gathering]\nenabled = true\n' "$work" > "$work/conduit.conf"
"$build/bin/conduitd" --config "$work/conduit.conf" 2>"$work/conduitd.log" &
host_pid=$!
for _ in $(seq 100); do busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" status io.conduit.Host >/dev/null 2>&1 && break; sleep 0.05; done

call() { # user method args...
  local user=$1; shift
  if [ "$user" = root ]; then
    busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@" 2>&1
  else
    setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@" 2>&1
  fi
}
fail=0
check() { # description expected-substring output
  if grep -q -- "$2" <<< "$3"; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got: $3"; fail=1; fi
}
obj=(io.conduit.Host /io/conduit/Host io.conduit.Host1)
check "nobody reads the state" 's "Idle"' "$(call nobody get-property "${obj[@]}" State)"
check "nobody reads the history" 's "\[' "$(call nobody call "${obj[@]}" GetHistory)"
check "nobody may not consent" "Access denied" "$(call nobody call "${obj[@]}" Accept s download || true)"
check "nobody may not cancel" "Access denied" "$(call nobody call "${obj[@]}" Cancel s x || true)"
check "nobody may not simulate the vehicle" "Access denied" "$(call nobody call "${obj[@]}" SetVehicleSignal ss Vehicle.Speed 50 || true)"
check "nobody may not install" "Access denied" "$(call nobody call "${obj[@]}" InstallBundle s /tmp/x.bundle || true)"
check "root passes the policy (the engine answers)" "no download consent is being asked" "$(call root call "${obj[@]}" Accept s download || true)"
call root call "${obj[@]}" SetVehicleSignal ss Vehicle.Speed 7 >/dev/null
check "root may simulate the vehicle (nobody reads the effect)" 'Vehicle.Speed\\":7' "$(call nobody call "${obj[@]}" GetVehicleState)"
gat=(io.conduit.Host /io/conduit/Host io.conduit.Gathering1)
check "nobody reads the gathering usage" 's "{' "$(call nobody call "${gat[@]}" GetUsage)"
check "nobody reads the consent" 'allowed' "$(call nobody call "${gat[@]}" GetConsent)"
check "nobody reads the campaigns" 's "\[' "$(call nobody call "${gat[@]}" GetCampaigns)"
check "nobody may not change consent" "Access denied" "$(call nobody call "${gat[@]}" SetConsent sb camera true || true)"
check "nobody may not delete the driver's data" "Access denied" "$(call nobody call "${gat[@]}" DeleteMyData s all || true)"
check "root may change consent (nobody reads the effect)" 'camera' "$(call root call "${gat[@]}" SetConsent sb camera true >/dev/null; call nobody get-property "${gat[@]}" AllowedClasses)"
exit $fail
