// Agent ABI v1: loading, version negotiation and struct-size rules, with
// real plugins in real runner processes.
#include "gatedsource.h"

#include <conduit/agent.h>

#include <QBuffer>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {
// The agent built against the frozen ABI 1.0 header
// (tests/fixtures/agents/abi-1.0), and an update for its one device.
QString abi10Agent() { return testAgent(QStringLiteral("test-abi10.so")); }
UpdateSpec abi10Update(quint64 length = 0) {
    UpdateSpec u;
    u.deviceId = QStringLiteral("abi10-ecu-1");
    u.targetName = QStringLiteral("abi10-ecu-2.0.0.bin");
    u.version = QStringLiteral("2.0.0");
    u.length = length;
    return u;
}
// The ABI 1.0 agent's device as "version/previous/state".
QString abi10Device(RunnerFixture &f) {
    const CallResult r = f.call(Op::Inventory);
    if (!r.ok() || r.devices.size() != 1) return QStringLiteral("inventory failed: ") + r.message;
    const DeviceInfo &d = r.devices[0];
    return d.currentVersion + u'/' + d.previousVersion + u'/' + updateStateName(d.updateState);
}
// Not one repeated byte, so a short or reordered copy shows.
QByteArray abi10Payload() {
    QByteArray data(3 << 20, Qt::Uninitialized);
    for (int i = 0; i < data.size(); ++i) data[i] = char((i * 131) >> 7);
    return data;
}
CallResult abi10Transfer(RunnerFixture &f, const QByteArray &data) {
    QBuffer source;
    source.setData(data);
    source.open(QIODevice::ReadOnly);
    return f.call(Op::Transfer, abi10Update(quint64(data.size())), &source);
}
// Runs each step on the ABI 1.0 agent; an empty string when all succeed.
QString abi10Steps(RunnerFixture &f, std::initializer_list<Op> ops) {
    for (Op op : ops) {
        const CallResult r = f.call(op, abi10Update());
        if (!r.ok()) return QString::fromLatin1(conduit::ipc::opName(op)) + QStringLiteral(": ") + r.message;
    }
    return {};
}
void restart(RunnerFixture &f) {
    QSignalSpy stopped(f.runner.get(), &AgentProxy::stopped);
    f.runner->stop();
    QVERIFY(stopped.wait(10000));
    QCOMPARE(f.start(), QString());
}
} // namespace

class TestAbi : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<CallResult>(); }

    void pureCPluginLoadsAndReportsInventory() {
        RunnerFixture f(testAgent(QStringLiteral("test-abi.so")));
        QCOMPARE(f.start(), QString());
        QCOMPARE(f.runner->info().agentId, QStringLiteral("io.conduit.test.abi"));
        QCOMPARE(f.runner->info().negotiatedMinor, 0);
        CallResult r = f.call(Op::Inventory);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(r.devices.size(), 1);
        QCOMPARE(r.devices[0].id, QStringLiteral("abi-1"));
        QCOMPARE(r.devices[0].hardwareId, QStringLiteral("abi-hw"));
    }
    void unknownHostExtensionIsNull() {
        RunnerFixture f(testAgent(QStringLiteral("test-abi.so")));
        QCOMPARE(f.start(), QString());
        CallResult r = f.call(Op::Inventory);
        QVERIFY(r.ok());
        QVERIFY2(r.devices[0].previousVersion.contains(QLatin1String("unknown-ext=null")),
                 qPrintable(r.devices[0].previousVersion));
    }
    void unknownAgentExtensionIsNull() {
        RunnerFixture f(QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-sink.so"));
        QCOMPARE(f.start(), QString());
        CallResult known = f.call(Op::ProbeExtension, {}, nullptr, QStringLiteral(CONDUIT_EXT_DATA_CAPTURE));
        QVERIFY(known.ok());
        QVERIFY(known.found);
        CallResult unknown = f.call(Op::ProbeExtension, {}, nullptr, QStringLiteral("conduit.data-capture/99"));
        QVERIFY(unknown.ok());
        QVERIFY(!unknown.found);
    }
    void newerMinorPluginLoadsInOlderHost() {
        // Built for 1.7, host offers 1.0: both use 1.0.
        RunnerFixture f(testAgent(QStringLiteral("test-abi-newer.so")));
        QCOMPARE(f.start(), QString());
        QCOMPARE(f.runner->info().abiMinor, 7);
        QCOMPARE(f.runner->info().negotiatedMinor, 0);
        CallResult r = f.call(Op::Inventory);
        QVERIFY(r.ok());
        QVERIFY2(r.devices[0].previousVersion.startsWith(QLatin1String("negotiated=1.0")),
                 qPrintable(r.devices[0].previousVersion));
    }
    void olderMinorPluginInNewerHost() {
        // A host offering 1.3 with a plugin built for 1.0: both use 1.0.
        RunnerFixture f(testAgent(QStringLiteral("test-abi.so")), {}, QStringLiteral(CONDUIT_RUNNER_MINOR3_PATH));
        QCOMPARE(f.start(), QString());
        QCOMPARE(f.runner->info().hostMinor, 3);
        QCOMPARE(f.runner->info().negotiatedMinor, 0);
        CallResult r = f.call(Op::Inventory);
        QVERIFY(r.devices[0].previousVersion.startsWith(QLatin1String("negotiated=1.0")));
    }
    void newerMinorPluginInNewerHostUsesLowerMinor() {
        RunnerFixture f(testAgent(QStringLiteral("test-abi-newer.so")), {}, QStringLiteral(CONDUIT_RUNNER_MINOR3_PATH));
        QCOMPARE(f.start(), QString());
        QCOMPARE(f.runner->info().negotiatedMinor, 3);
        CallResult r = f.call(Op::Inventory);
        QVERIFY2(r.devices[0].previousVersion.startsWith(QLatin1String("negotiated=1.3")),
                 qPrintable(r.devices[0].previousVersion));
    }
    void loadFailures_data() {
        QTest::addColumn<QString>("library");
        QTest::addColumn<QString>("reason");
        QTest::newRow("major mismatch") << "test-abi-major2.so"
                                        << "ABI major mismatch: plugin built for 2.0, host speaks 1.x";
        QTest::newRow("struct too small") << "test-abi-small.so"
                                          << "entry table too small: 8 bytes";
        QTest::newRow("missing entry") << "test-abi-noentry.so"
                                       << "missing entry symbol conduit_agent_entry";
        QTest::newRow("not a shared object") << "not-a-plugin.so"
                                             << "not a loadable shared object";
        QTest::newRow("missing file") << "no-such-plugin.so"
                                      << "not a loadable shared object";
    }
    void loadFailures() {
        QFETCH(QString, library);
        QFETCH(QString, reason);
        RunnerFixture f(testAgent(library));
        const QString failure = f.start();
        QVERIFY2(failure.startsWith(QLatin1String("failed to load: ")), qPrintable(failure));
        QVERIFY2(failure.contains(reason), qPrintable(failure));
        QVERIFY(f.runner->failurePermanent());
        // A call to a failed agent is answered, not lost.
        CallResult r = f.call(Op::Inventory);
        QVERIFY(r.runnerFailed);
        QVERIFY(r.message.contains(QLatin1String("agent not running")));
    }
    void cppExceptionBecomesResultCode() {
        qputenv("CONDUIT_TEST_FAULT", "throw@inventory");
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")));
        QCOMPARE(f.start(), QString());
        CallResult r = f.call(Op::Inventory);
        qunsetenv("CONDUIT_TEST_FAULT");
        QCOMPARE(r.code, int(CONDUIT_E_FAILED));
        QVERIFY(!r.runnerFailed);
        QCOMPARE(r.message, QStringLiteral("exception thrown by the test agent"));
        QCOMPARE(f.runner->state(), AgentProxy::State::Ready);
    }
    void unsupportedStepIsReported() {
        RunnerFixture f(testAgent(QStringLiteral("test-abi.so")));
        QCOMPARE(f.start(), QString());
        CallResult r = f.call(Op::Install, {QStringLiteral("abi-1")});
        QCOMPARE(r.code, int(CONDUIT_E_UNSUPPORTED));
        QVERIFY(r.message.contains(QLatin1String("install not offered")));
    }
    void inProcessModeServesCalls() {
        RunnerFixture f(QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.so"), {},
                        QStringLiteral(CONDUIT_RUNNER_PATH), true);
        QCOMPARE(f.start(), QString());
        CallResult r = f.call(Op::Inventory);
        QVERIFY(r.ok());
        QCOMPARE(r.devices.value(0).id, QStringLiteral("example-ecu-1"));
    }
    // What C++ vendors reach through agent.hpp: a per-update capability
    // query, and onWakeup() on the agent thread after requestWakeup() from a
    // thread of the agent's own.
    void cppHelperOffersQueryAndWakeup() {
        qputenv("CONDUIT_TEST_FAULT", "wakeup@inventory");
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")));
        const QString started = f.start();
        qunsetenv("CONDUIT_TEST_FAULT");
        QCOMPARE(started, QString());
        UpdateSpec u;
        u.deviceId = QStringLiteral("fault-1");
        u.version = QStringLiteral("2.0.0");
        CallResult q = f.call(Op::Query, u);
        QVERIFY2(q.ok(), qPrintable(q.message));
        QCOMPARE(q.capabilities, quint32(CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT));
        u.version = QStringLiteral("1.5.0");
        QCOMPARE(f.call(Op::Query, u).capabilities, quint32(CONDUIT_CAP_ROLLBACK));
        // The first inventory has the wakeup requested from another thread
        // before it returns; wakeups and calls share the agent thread's
        // queue, so the second inventory runs after onWakeup().
        CallResult first = f.call(Op::Inventory);
        QVERIFY2(first.ok(), qPrintable(first.message));
        QCOMPARE(first.devices.value(0).previousVersion, QString());
        CallResult second = f.call(Op::Inventory);
        QVERIFY2(second.ok(), qPrintable(second.message));
        const bool woken = second.devices.value(0).previousVersion == QLatin1String("woken");
        QVERIFY2(woken, "onWakeup() never ran");
    }

    // A plugin built against the ABI 1.0 agent.h, frozen as vendors got it,
    // loads in today's host and in one offering a newer minor, and goes
    // through a whole install; its state survives a restart.
    void abi10PluginInstalls_data() {
        QTest::addColumn<QString>("runner");
        QTest::newRow("host 1.0") << QStringLiteral(CONDUIT_RUNNER_PATH);
        QTest::newRow("host 1.3") << QStringLiteral(CONDUIT_RUNNER_MINOR3_PATH);
    }
    void abi10PluginInstalls() {
        QFETCH(QString, runner);
        RunnerFixture f(abi10Agent(), {}, runner);
        QCOMPARE(f.start(), QString());
        QCOMPARE(f.runner->info().agentId, QStringLiteral("io.conduit.test.abi10"));
        QCOMPARE(f.runner->info().abiMinor, 0);
        QCOMPARE(f.runner->info().negotiatedMinor, 0);
        QCOMPARE(abi10Device(f), QStringLiteral("1.0.0//idle"));

        const QByteArray data = abi10Payload();
        CallResult r = abi10Transfer(f, data);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(r.payloadBytes, quint64(data.size()));
        QFile staged(f.state.filePath(QStringLiteral("abi10-ecu-1.staged")));
        QVERIFY2(staged.open(QIODevice::ReadOnly), qPrintable(staged.fileName()));
        QVERIFY(staged.readAll() == data);
        QCOMPARE(abi10Device(f), QStringLiteral("1.0.0//staged"));

        QCOMPARE(abi10Steps(f, {Op::PrepareInstall, Op::Install, Op::PostInstall, Op::Activate}), QString());
        QCOMPARE(abi10Device(f), QStringLiteral("2.0.0/1.0.0/activated"));
        restart(f);
        QCOMPARE(abi10Device(f), QStringLiteral("2.0.0/1.0.0/activated"));
        QCOMPARE(abi10Steps(f, {Op::Commit}), QString());
        QCOMPARE(abi10Device(f), QStringLiteral("2.0.0/1.0.0/idle"));
    }
    // Rollback of an activated trial: back on 1.0.0, "rolled-back"; of a
    // staged image: still 1.0.0, "idle", the staging gone.
    void abi10PluginRollsBack() {
        RunnerFixture f(abi10Agent());
        QCOMPARE(f.start(), QString());
        CallResult r = abi10Transfer(f, abi10Payload());
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(abi10Steps(f, {Op::PrepareInstall, Op::Install, Op::PostInstall, Op::Activate}), QString());
        QCOMPARE(abi10Device(f), QStringLiteral("2.0.0/1.0.0/activated"));
        QCOMPARE(abi10Steps(f, {Op::Rollback}), QString());
        QCOMPARE(abi10Device(f), QStringLiteral("1.0.0/1.0.0/rolled-back"));

        r = abi10Transfer(f, abi10Payload());
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(abi10Device(f), QStringLiteral("1.0.0/1.0.0/staged"));
        QCOMPARE(abi10Steps(f, {Op::Rollback}), QString());
        QCOMPARE(abi10Device(f), QStringLiteral("1.0.0/1.0.0/idle"));
        QVERIFY(!QFile::exists(f.state.filePath(QStringLiteral("abi10-ecu-1.staged"))));
        // A commit now has nothing to commit: the agent's own error arrives.
        r = f.call(Op::Commit, abi10Update());
        QCOMPARE(r.code, int(CONDUIT_E_STATE));
        QCOMPARE(r.message, QStringLiteral("commit without activation"));
    }
};

QTEST_GUILESS_MAIN(TestAbi)
#include "tst_abi.moc"
