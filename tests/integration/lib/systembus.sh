# Sourced: a private dbus-daemon of type "system" for one test, nothing
# shared with the machine's buses.
#   system_bus_start DIR BODY   writes DIR/bus.conf (listening on DIR/bus,
#                               EXTERNAL auth) with the busconfig elements
#                               BODY (policies, <include>, <servicedir>),
#                               starts dbus-daemon until its socket exists
#                               (DIR/bus.log its stderr); sets bus_pid and
#                               bus_address; the caller stops it.
system_bus_start() {
  local dir=$1 body=$2
  cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
$body
</busconfig>
CONF
  dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile 2>"$dir/bus.log" &
  bus_pid=$!
  for _ in $(seq 100); do [ -S "$dir/bus" ] && break; sleep 0.05; done
  [ -S "$dir/bus" ] || { echo "FAIL: dbus-daemon did not start:"; cat "$dir/bus.log"; return 1; }
  bus_address="unix:path=$dir/bus"
}
