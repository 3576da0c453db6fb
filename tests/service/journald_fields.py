#!/usr/bin/env python3
"""conduitd's log as journal entries with fields: the real conduitd runs a
signed two-device bundle campaign (example agent, real runners) with its
stderr posing as journald's stream ($JOURNAL_STREAM names it), so it logs
to a fake journald socket the test binds (fakejournald.py, the native
protocol). Checked: every entry has MESSAGE, PRIORITY, SYSLOG_IDENTIFIER;
the campaign's lines carry CAMPAIGN=<its id> and only those; each device's
lifecycle steps carry DEVICE= and STEP= matching their text; what
`journalctl CAMPAIGN=<id>` would show holds the whole campaign, start to
result; no log line went to stderr.
Usage: journald_fields.py BUILD_DIR"""
import os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakejournald import FakeJournald

build = os.path.abspath(sys.argv[1])
bin_ = os.path.join(build, "bin")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(*cmd, **kw):
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


work = tempfile.mkdtemp(prefix="conduit-journal.")
try:
    os.chdir(work)
    os.makedirs("agents"); os.makedirs("agent-config"); os.makedirs("state"); os.makedirs("images")
    with open(os.path.join(build, "lib/conduit/agents/example-ecu.json")) as f:
        manifest = f.read().replace('"library": "', '"library": "%s/lib/conduit/agents/' % build)
    with open("agents/example-ecu.json", "w") as f:
        f.write(manifest)
    devices = {"gw-1": "gateway", "ecu-1": "brake"}
    with open("agent-config/io.conduit.example.ecu.json", "w") as f:
        f.write('{"devices": "%s"}' % ",".join("%s:%s" % d for d in devices.items()))
    with open("conduit.conf", "w") as f:
        f.write("[host]\nstate_dir = state\n[agents]\nconfig_dir = agent-config\ndirs = agents\n")
    repo = os.path.join(bin_, "conduit-repo")
    run(repo, "init", "--repo", "repo", "--seed", "0123456789abcdef")
    for dev, hw in devices.items():
        with open("images/%s.img" % dev, "wb") as f:
            f.write(os.urandom(100000))
        run(repo, "add-target", "--repo", "repo", "images/%s.img" % dev, "--hardware-id", hw,
            "--release-counter", "2", "--version", "2.0")
        run(repo, "assign", "--repo", "repo", "--ecu", dev, "--target", "%s.img" % dev)
    run(repo, "sign", "--repo", "repo")
    run(repo, "bundle", "--repo", "repo", "--out", "update.bundle")
    run(os.path.join(bin_, "conduitctl"), "provision", "--state", "state/trust.json",
        "--director-root", "repo/director/metadata/1.root.json", "--image-root", "repo/image/metadata/1.root.json")

    journal = FakeJournald(os.path.join(work, "journal.socket"))
    with open("stderr.log", "w+") as err:
        st = os.fstat(err.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino),
                   CONDUIT_JOURNAL_SOCKET=os.path.join(work, "journal.socket"),
                   QT_LOGGING_RULES="conduit.*.debug=false")
        env.pop("CONDUIT_LOG", None)
        print("running the campaign", flush=True)
        r = subprocess.run([os.path.join(bin_, "conduitd"), "--config", "conduit.conf", "--install", "update.bundle",
                            "--yes"], env=env, stdout=subprocess.PIPE, stderr=err, text=True, timeout=120)
        err.seek(0)
        stderr = err.read()
    print(r.stdout)
    check(r.returncode == 0, "the campaign succeeds (conduitd --install exit %d)" % r.returncode)
    # (a sanitizer build may add its own report there: only log lines count)
    logged = [l for l in stderr.splitlines() if l.startswith("conduit.") or l.startswith("default:")]
    check(logged == [], "no log line on stderr while the journal takes the log: %r" % logged[:5])
    entries = journal.stop()
    check(len(entries) > 5, "%d journal entries" % len(entries))

    def one(e, k):
        return e.get(k, [None])[0]

    check(all(one(e, "MESSAGE") and one(e, "PRIORITY") in "01234567" and one(e, "SYSLOG_IDENTIFIER") == "conduitd"
              and one(e, "CONDUIT_CATEGORY") for e in entries),
          "every entry has MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=conduitd, CONDUIT_CATEGORY")
    check(all(len(v) == 1 for e in entries for v in e.values()), "no field repeats")
    campaigns = {one(e, "CAMPAIGN") for e in entries if "CAMPAIGN" in e}
    check(len(campaigns) == 1, "one campaign id in the fields: %s" % campaigns)
    cid = campaigns.pop() if len(campaigns) == 1 else None
    of_campaign = [e for e in entries if one(e, "CAMPAIGN") == cid]  # journalctl CAMPAIGN=<id>
    texts = [one(e, "MESSAGE") for e in of_campaign]
    check(any(("campaign %s Idle ->" % cid) in t for t in texts), "its first state change carries CAMPAIGN=%s" % cid)
    check(any(("campaign %s finished: success" % cid) in t for t in texts), "its result carries CAMPAIGN=%s" % cid)
    check(all(("campaign %s" % cid) not in one(e, "MESSAGE") or one(e, "CAMPAIGN") == cid for e in entries),
          "no line naming the campaign lacks the field")
    first = next(i for i, e in enumerate(entries) if "CAMPAIGN" in e)
    check(first > 0 and all("CAMPAIGN" not in e for e in entries[:first]), "start-up lines carry no CAMPAIGN")
    steps = [e for e in entries if "DEVICE" in e]
    for dev in devices:
        mine = [e for e in steps if one(e, "DEVICE") == dev]
        names = {one(e, "STEP") for e in mine}
        check({"install", "activate", "commit"} <= names, "%s: its steps carry DEVICE and STEP: %s" % (dev, sorted(names)))
        check(all(one(e, "MESSAGE").find("device %s %s" % (dev, one(e, "STEP"))) >= 0 for e in mine),
              "%s: each step entry's text names its device and step" % dev)
        check(all(one(e, "CAMPAIGN") == cid for e in mine), "%s: its step entries belong to the campaign" % dev)
    check(all("STEP" in e for e in steps), "DEVICE comes with STEP")
finally:
    subprocess.run(["rm", "-rf", work])

sys.exit(1 if failures else 0)
