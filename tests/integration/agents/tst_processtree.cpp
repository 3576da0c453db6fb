// A runner's whole process tree dies with it: children and double-forked
// grandchildren of a plugin never outlive the runner, nor conduitd (the
// fault agent's "children" behaviour forks them and writes their pids).
#include "gatedsource.h"

#include <QProcess>

#include <csignal>
#include <cstdio>
#include <sys/types.h>

using namespace conduit::agents;

namespace {

QList<pid_t> pidsIn(const QString &path) {
    QFile f(path);
    QList<pid_t> pids;
    if (!f.open(QIODevice::ReadOnly)) return pids;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (!line.isEmpty()) pids << pid_t(line.toInt());
    return pids;
}

// Alive and not a zombie (an orphan's zombie waits for init, which may be
// slow to reap it in a container; it runs no code).
bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray stat = f.readAll();
    const int close = stat.lastIndexOf(')');
    return close < 0 || stat.mid(close + 2, 1) != "Z";
}

QString living(const QList<pid_t> &pids) {
    QStringList out;
    for (pid_t p : pids)
        if (alive(p)) out << QString::number(p);
    return out.join(QLatin1Char(' '));
}

// Both children started (bounded).
QList<pid_t> waitForChildren(const QString &path) {
    QList<pid_t> pids;
    (void)QTest::qWaitFor(
        [&] {
            pids = pidsIn(path);
            return pids.size() == 2;
        },
        10000);
    return pids;
}

} // namespace

class TestProcessTree : public QObject {
    Q_OBJECT

    void verifyAllDie(const QList<pid_t> &pids) {
        const bool gone = QTest::qWaitFor([&] { return living(pids).isEmpty(); }, 5000);
        const QString left = living(pids);
        for (pid_t p : pids) {
            QFile st(QStringLiteral("/proc/%1/stat").arg(p));
            if (!gone && st.open(QIODevice::ReadOnly)) std::fprintf(stderr, "%s\n", st.readAll().constData());
        }
        for (pid_t p : pids) ::kill(p, SIGKILL); // never leave them behind, whatever the result
        QVERIFY2(gone, qPrintable(QStringLiteral("still running: %1").arg(left)));
    }

    // conduitd --inventory with the fault agent; `fault` in its environment.
    void runConduitd(QProcess &p, const QTemporaryDir &manifests, const QTemporaryDir &state, const QByteArray &fault) {
        writeManifest(manifests, QStringLiteral("io.conduit.test.fault"), testAgent(QStringLiteral("test-fault.so")),
                      QStringLiteral("fault-test"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONDUIT_TEST_FAULT"), QString::fromLatin1(fault));
        env.remove(QStringLiteral("CONDUIT_CONFIG"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(CONDUITD_PATH), {QStringLiteral("--inventory"), QStringLiteral("--agent-dir"),
                                                manifests.path(), QStringLiteral("--state-dir"), state.path()});
        QVERIFY(p.waitForStarted());
    }

private slots:
    void cleanup() { qunsetenv("CONDUIT_TEST_FAULT"); }

    void aKilledRunnerTakesItsChildren() {
        qputenv("CONDUIT_TEST_FAULT", "children@init");
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")));
        QCOMPARE(f.start(), QString());
        const QList<pid_t> pids = waitForChildren(f.state.filePath(QStringLiteral("children")));
        QCOMPARE(pids.size(), 2);
        QCOMPARE(living(pids).split(QLatin1Char(' ')).size(), 2);
        QSignalSpy failed(f.runner.get(), &AgentProxy::failed);
        ::kill(pid_t(f.runner->pid()), SIGKILL); // the runner crashes
        QVERIFY(failed.wait(5000));
        verifyAllDie(pids);
    }

    void aStoppedRunnerTakesItsChildren() {
        qputenv("CONDUIT_TEST_FAULT", "children@init");
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")));
        QCOMPARE(f.start(), QString());
        const QList<pid_t> pids = waitForChildren(f.state.filePath(QStringLiteral("children")));
        QCOMPARE(pids.size(), 2);
        QSignalSpy stopped(f.runner.get(), &AgentProxy::stopped);
        f.runner->stop(2000);
        QVERIFY(stopped.wait(5000));
        verifyAllDie(pids);
    }

    void conduitdExitingTakesThem() {
        QTemporaryDir manifests, state;
        QProcess p;
        runConduitd(p, manifests, state, "children@init");
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        const QList<pid_t> pids = pidsIn(state.filePath(QStringLiteral("agents/io.conduit.test.fault/children")));
        QCOMPARE(pids.size(), 2);
        verifyAllDie(pids);
    }

    void conduitdKilledTakesThem() {
        QTemporaryDir manifests, state;
        QProcess p;
        // The inventory hangs: conduitd is killed while the runner is busy.
        runConduitd(p, manifests, state, "children@init,hang@inventory");
        const QList<pid_t> pids =
            waitForChildren(state.filePath(QStringLiteral("agents/io.conduit.test.fault/children")));
        QCOMPARE(pids.size(), 2);
        QVERIFY(p.state() == QProcess::Running);
        p.kill();
        QVERIFY(p.waitForFinished(5000));
        verifyAllDie(pids);
    }
};

QTEST_GUILESS_MAIN(TestProcessTree)
#include "tst_processtree.moc"
