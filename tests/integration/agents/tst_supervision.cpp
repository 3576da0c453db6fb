// Supervision: a plugin that crashes, aborts, hangs, eats memory, sends
// garbage or is killed from outside costs its own runner only. The host
// (this process) keeps running, reports a clear reason, and a neighbouring
// agent keeps serving.
#include "gatedsource.h"

#include <conduit/agent.h>

#include <QBuffer>

#include <csignal>

using namespace conduit::agents;
using conduit::ipc::Op;

namespace {

RunnerLimits testLimits() {
    RunnerLimits l;
    l.initTimeoutMs = 3000;
    l.callTimeoutMs = 3000;
    l.stallTimeoutMs = 1500;
    l.memoryLimit = 128ull << 20;
    return l;
}

UpdateSpec update(quint64 length) {
    UpdateSpec u;
    u.deviceId = QStringLiteral("fault-1");
    u.targetName = QStringLiteral("image.bin");
    u.version = QStringLiteral("2.0.0");
    u.length = length;
    return u;
}

struct FaultEnv {
    explicit FaultEnv(const QByteArray &spec) { qputenv("CONDUIT_TEST_FAULT", spec); }
    ~FaultEnv() { qunsetenv("CONDUIT_TEST_FAULT"); }
};

} // namespace

class TestSupervision : public QObject {
    Q_OBJECT
    std::unique_ptr<RunnerFixture> neighbour_;

    void neighbourStillServes() {
        CallResult r = neighbour_->call(Op::Inventory);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(r.devices.size(), 1);
    }

private slots:
    void initTestCase() {
        qRegisterMetaType<CallResult>();
        neighbour_ = std::make_unique<RunnerFixture>(QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.so"));
        QCOMPARE(neighbour_->start(), QString());
    }

    void faultDuringInit_data() {
        QTest::addColumn<QByteArray>("fault");
        QTest::addColumn<QString>("reason");
        QTest::newRow("crash") << QByteArray("crash@init") << "crashed during init: killed by signal 11 (SIGSEGV)";
        QTest::newRow("abort") << QByteArray("abort@init") << "crashed during init: killed by signal 6 (SIGABRT)";
        QTest::newRow("exit") << QByteArray("exit@init") << "crashed during init: exited with code 3";
        QTest::newRow("hang") << QByteArray("hang@init") << "hung during init: no answer within 3000 ms";
        QTest::newRow("memory") << QByteArray("memory@init") << "memory limit exceeded: resident";
        QTest::newRow("garbage") << QByteArray("garbage@init") << "protocol violation: bad frame magic";
    }
    void faultDuringInit() {
        QFETCH(QByteArray, fault);
        QFETCH(QString, reason);
        FaultEnv env(fault);
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        const QString failure = f.start();
        QVERIFY2(failure.startsWith(reason), qPrintable(failure));
        QCOMPARE(f.runner->state(), AgentProxy::State::Failed);
        QVERIFY(!f.runner->failurePermanent()); // worth a restart
        neighbourStillServes();
    }

    void faultMidTransfer_data() {
        QTest::addColumn<QByteArray>("fault");
        QTest::addColumn<QString>("reason");
        QTest::newRow("crash") << QByteArray("crash@transfer") << "crashed: killed by signal 11 (SIGSEGV)";
        QTest::newRow("abort") << QByteArray("abort@transfer") << "crashed: killed by signal 6 (SIGABRT)";
        QTest::newRow("exit") << QByteArray("exit@transfer") << "crashed: exited with code 3";
        QTest::newRow("hang") << QByteArray("hang@transfer") << "hung: transfer made no progress for 1500 ms";
        QTest::newRow("memory") << QByteArray("memory@transfer") << "memory limit exceeded: resident";
        QTest::newRow("garbage") << QByteArray("garbage@transfer") << "protocol violation: bad frame magic";
    }
    void faultMidTransfer() {
        QFETCH(QByteArray, fault);
        QFETCH(QString, reason);
        FaultEnv env(fault);
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        QByteArray data(64 << 20, 'x'); // far more than the 8 MiB credit window
        QBuffer source(&data);
        source.open(QIODevice::ReadOnly);
        QSignalSpy failed(f.runner.get(), &AgentProxy::failed);
        CallResult r = f.call(Op::Transfer, update(quint64(data.size())), &source);
        QVERIFY(r.runnerFailed);
        QVERIFY2(r.message.startsWith(reason), qPrintable(r.message));
        QVERIFY(r.payloadBytes > 0 && r.payloadBytes < quint64(data.size()));
        QCOMPARE(failed.size(), 1);
        neighbourStillServes();
    }

    void slowCallWithinDeadlineSucceeds_data() {
        QTest::addColumn<QByteArray>("fault");
        QTest::newRow("init") << QByteArray("slow@init");
        QTest::newRow("inventory") << QByteArray("slow@inventory");
        QTest::newRow("transfer") << QByteArray("slow@transfer");
    }
    void slowCallWithinDeadlineSucceeds() {
        QFETCH(QByteArray, fault);
        FaultEnv env(fault);
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        CallResult r = f.call(Op::Inventory);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QByteArray data(4 << 20, 's');
        QBuffer source(&data);
        source.open(QIODevice::ReadOnly);
        r = f.call(Op::Transfer, update(quint64(data.size())), &source);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(r.payloadBytes, quint64(data.size()));
    }

    // The ABI lets an agent's own threads report progress at any time; a
    // report that races the result of its call is late, not a violation.
    void reportsFromTheAgentsThreadAcrossCallsAreKept() {
        FaultEnv env("reports@inventory");
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        QSignalSpy failed(f.runner.get(), &AgentProxy::failed);
        for (int i = 0; i < 200; ++i) {
            const CallResult r = f.call(Op::Inventory);
            QVERIFY2(r.ok(), qPrintable(QStringLiteral("inventory %1: %2").arg(i).arg(r.message)));
        }
        QCOMPARE(failed.size(), 0);
    }

    void slowCallPastDeadlineIsKilled() {
        FaultEnv env("slow@inventory");
        RunnerLimits l = testLimits();
        l.callTimeoutMs = 10; // the slow call takes 50 ms
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), l);
        QCOMPARE(f.start(), QString());
        CallResult r = f.call(Op::Inventory);
        QVERIFY(r.runnerFailed);
        QCOMPARE(r.code, int(CONDUIT_E_TIMEOUT)); // a campaign reports it as a timeout
        QVERIFY2(r.message.startsWith(QLatin1String("hung: inventory did not finish within 10 ms")),
                 qPrintable(r.message));
    }

    void externalSignalMidTransfer_data() {
        QTest::addColumn<int>("sig");
        QTest::addColumn<QString>("reason");
        QTest::newRow("SIGKILL") << int(SIGKILL) << "crashed: killed by signal 9 (SIGKILL)";
        QTest::newRow("SIGSEGV") << int(SIGSEGV) << "crashed: killed by signal 11 (SIGSEGV)";
        QTest::newRow("SIGSTOP") << int(SIGSTOP) << "hung: transfer made no progress for 1500 ms";
    }
    void externalSignalMidTransfer() {
        QFETCH(int, sig);
        QFETCH(QString, reason);
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        GatedSource source;
        const int chunk = 1 << 20;
        auto *c = f.runner->call(Op::Transfer, update(4 * chunk), &source);
        QSignalSpy progress(c, &AgentCall::progress);
        QSignalSpy done(c, &AgentCall::finished);
        source.feed(QByteArray(chunk, 'a'));
        // The agent has consumed the first MiB: the transfer is mid-way.
        QVERIFY(progress.wait(10000));
        QVERIFY(done.isEmpty());
        ::kill(pid_t(f.runner->pid()), sig);
        source.feed(QByteArray(3 * chunk, 'b'));
        QVERIFY(done.wait(10000));
        const CallResult r = done.first().first().value<CallResult>();
        QVERIFY(r.runnerFailed);
        QVERIFY2(r.message.startsWith(reason), qPrintable(r.message));
        QCOMPARE(f.runner->state(), AgentProxy::State::Failed);
        neighbourStillServes();
        // A restart brings the agent back.
        QCOMPARE(f.start(), QString());
        QVERIFY(f.call(Op::Inventory).ok());
    }

    void completeTransferSucceeds() {
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        QByteArray data(20 << 20, 'z');
        QBuffer source(&data);
        source.open(QIODevice::ReadOnly);
        CallResult r = f.call(Op::Transfer, update(quint64(data.size())), &source);
        QVERIFY2(r.ok(), qPrintable(r.message));
        QCOMPARE(r.payloadBytes, quint64(data.size()));
        QVERIFY(f.call(Op::Activate, update(0)).ok());
        CallResult inv = f.call(Op::Inventory);
        QCOMPARE(inv.devices.value(0).currentVersion, QStringLiteral("2.0.0"));
    }

    void shortSourceFailsTransfer() {
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        QByteArray data(1000, 'z');
        QBuffer source(&data);
        source.open(QIODevice::ReadOnly);
        CallResult r = f.call(Op::Transfer, update(5000), &source);
        QCOMPARE(r.code, int(CONDUIT_E_PAYLOAD));
        QVERIFY(!r.runnerFailed);
        QVERIFY2(r.message.contains(QLatin1String("ended after 1000 of 5000 bytes")), qPrintable(r.message));
    }

    void cancelMidTransfer() {
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")), testLimits());
        QCOMPARE(f.start(), QString());
        GatedSource source;
        auto *c = f.runner->call(Op::Transfer, update(4 << 20), &source);
        QSignalSpy progress(c, &AgentCall::progress);
        QSignalSpy done(c, &AgentCall::finished);
        source.feed(QByteArray(1 << 20, 'a'));
        QVERIFY(progress.wait(10000));
        f.runner->cancel(c);
        QVERIFY(done.wait(10000));
        const CallResult r = done.first().first().value<CallResult>();
        QCOMPARE(r.code, int(CONDUIT_E_CANCELLED));
        QVERIFY(!r.runnerFailed);
        QVERIFY(f.call(Op::Inventory).ok()); // the agent is still healthy
    }
};

QTEST_GUILESS_MAIN(TestSupervision)
#include "tst_supervision.moc"
