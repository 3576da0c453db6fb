#!/usr/bin/env python3
"""conduitd speaks the service manager's notification protocol: the real
conduitd, a NOTIFY_SOCKET this test owns and WATCHDOG_USEC set. READY=1
arrives only once io.conduit.Host is owned on the bus and the agents have
started; WATCHDOG=1 arrives again and again, each from conduitd's own pid
(SCM_CREDENTIALS); while conduitd is stopped (SIGSTOP) no pet arrives, after
SIGCONT they come again; SIGTERM brings STOPPING=1 and a clean exit.
conduitd runs as conduitd.service runs it: no capabilities at all
(CapabilityBoundingSet=) and no_new_privs (NoNewPrivileges=yes), set with
setpriv(1), and so do its runner and agent.
Usage: notify_watchdog.py BUILD_DIR   (run under dbus-run-session)"""
import os, signal, socket, struct, subprocess, sys, tempfile, time

build = os.path.abspath(sys.argv[1])
WATCHDOG_USEC = 400_000  # pets every 200 ms
PET_S = WATCHDOG_USEC / 2 / 1e6
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


work = tempfile.mkdtemp(prefix="conduit-notify.")
path = os.path.join(work, "notify")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

agents = os.path.join(work, "agents")
os.mkdir(agents)
with open(os.path.join(build, "lib/conduit/agents/example-ecu.json")) as f:
    manifest = f.read().replace('"library": "', '"library": "%s/lib/conduit/agents/' % build)
with open(os.path.join(agents, "example-ecu.json"), "w") as f:
    f.write(manifest)
conf = os.path.join(work, "conduit.conf")
with open(conf, "w") as f:
    # As the shipped conduit.conf: the runners' compartments off (they need
    # capabilities the unit does not grant, docs/packaging.md).
    f.write("[host]\nstate_dir = %s/state\n[agents]\ndirs = %s\nsandbox = off\n" % (work, agents))

env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
log = open(os.path.join(work, "conduitd.log"), "w+")
# As conduitd.service: CapabilityBoundingSet= (none), NoNewPrivileges=yes.
unit_privileges = ["setpriv", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
host = subprocess.Popen(unit_privileges + [os.path.join(build, "bin/conduitd"), "--config", conf], env=env, stderr=log)


def receive(timeout):
    """(sender pid, {key: value}) of the next datagram, or None by timeout."""
    sock.settimeout(timeout)
    try:
        data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    except (socket.timeout, BlockingIOError):
        return None
    pid = None
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", cdata[:12])[0]
    fields = dict(line.split("=", 1) for line in data.decode().split("\n") if line)
    return pid, fields


def wait_for(key, bound):
    """Messages until one with `key`, within `bound` seconds."""
    seen = []
    end = time.monotonic() + bound
    while time.monotonic() < end:
        m = receive(end - time.monotonic())
        if m is None:
            break
        seen.append(m)
        if key in m[1]:
            return m, seen
    return None, seen


def bus_has_host():
    r = subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:io.conduit.Host"],
                       capture_output=True, text=True)
    return "boolean true" in r.stdout


def status_field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        return next(l.split(":", 1)[1].strip() for l in f if l.startswith(name + ":"))


def process_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


try:
    ready, before = wait_for("READY", 30)
    check(ready is not None, "READY=1 arrives (%d messages before it)" % len(before))
    if ready is None:
        raise SystemExit
    check(ready[0] == host.pid, "READY=1 comes from conduitd's pid (%s, conduitd %d)" % (ready[0], host.pid))
    check(bus_has_host(), "io.conduit.Host is owned when READY=1 arrives")
    runners = subprocess.run(["pgrep", "-P", str(host.pid)], capture_output=True, text=True).stdout.split()
    check(len(runners) == 1, "conduitd runs its agent's runner (%s)" % runners)
    for pid in [host.pid] + [int(r) for r in runners]:
        check(status_field(pid, "CapEff") == "0000000000000000" and status_field(pid, "CapBnd") == "0000000000000000"
              and status_field(pid, "NoNewPrivs") == "1", "pid %d runs without capabilities, no_new_privs" % pid)
    status = ready[1].get("STATUS", "")
    check("1 of 1 agents ready" in status, "STATUS with READY=1 counts the started agent: %r" % status)

    pets = []
    end = time.monotonic() + 20 * PET_S
    while len(pets) < 5 and time.monotonic() < end:
        m = receive(end - time.monotonic())
        if m and "WATCHDOG" in m[1]:
            pets.append((time.monotonic(), m[0]))
    check(len(pets) >= 5, "WATCHDOG=1 arrives repeatedly (%d pets)" % len(pets))
    check(all(p == host.pid for _, p in pets), "every pet comes from conduitd's pid")
    if len(pets) >= 2:
        gaps = [b[0] - a[0] for a, b in zip(pets, pets[1:])]
        check(max(gaps) < WATCHDOG_USEC / 1e6, "pets come within WATCHDOG_USEC (largest gap %.3f s)" % max(gaps))

    # A stopped event loop: no pets (those sent before the stop are drained).
    host.send_signal(signal.SIGSTOP)
    end = time.monotonic() + 5
    while process_state(host.pid) != "T" and time.monotonic() < end:
        time.sleep(0.01)
    check(process_state(host.pid) == "T", "conduitd is stopped")
    while receive(0) is not None:
        pass
    silent = receive(3 * WATCHDOG_USEC / 1e6)
    check(silent is None, "no pet while conduitd is stopped (3 watchdog periods)")
    host.send_signal(signal.SIGCONT)
    pet, _ = wait_for("WATCHDOG", 5)
    check(pet is not None, "pets resume after SIGCONT")

    host.send_signal(signal.SIGTERM)
    stopping, _ = wait_for("STOPPING", 10)
    check(stopping is not None, "STOPPING=1 arrives on SIGTERM")
    check(host.wait(timeout=15) == 0, "conduitd exits 0")
finally:
    if host.poll() is None:
        host.send_signal(signal.SIGCONT)
        host.kill()
        host.wait()
    log.seek(0)
    text = log.read()
    if failures:
        print("--- conduitd's log\n" + text)
    sock.close()
    subprocess.run(["rm", "-rf", work])

sys.exit(1 if failures else 0)
