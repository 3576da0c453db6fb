// The registry: agents discovered from manifests, restarted with backoff
// after a failure, never restarted after a load failure, and independent.
#include "gatedsource.h"

#include "agents/agentregistry.h"

#include <QBuffer>
#include <QFile>

using namespace conduit::agents;
using conduit::ipc::Op;

class TestAgentRegistry : public QObject {
    Q_OBJECT
    QTemporaryDir manifests_, state_;

    RegistryConfig config() {
        RegistryConfig c;
        c.agentDirs = {manifests_.path()};
        c.stateDir = state_.path();
        c.runnerPath = QStringLiteral(CONDUIT_RUNNER_PATH);
        c.restartBackoffMs = 50;
        c.restartBackoffMaxMs = 400;
        return c;
    }

private slots:
    void initTestCase() {
        qRegisterMetaType<CallResult>();
        writeManifest(manifests_, QStringLiteral("io.conduit.example.ecu"),
                      QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.so"), QStringLiteral("example-ecu"));
        writeManifest(manifests_, QStringLiteral("io.conduit.test.fault"), testAgent(QStringLiteral("test-fault.so")),
                      QStringLiteral("fault-test"));
        writeManifest(manifests_, QStringLiteral("io.conduit.test.abi"),
                      testAgent(QStringLiteral("test-abi-major2.so")), QStringLiteral("abi-test"));
    }

    void crashedAgentRestartsOthersUnaffected() {
        qputenv("CONDUIT_TEST_FAULT", "crash@transfer");
        AgentRegistry reg(config());
        QSignalSpy failures(&reg, &AgentRegistry::agentFailed);
        QSignalSpy readies(&reg, &AgentRegistry::agentReady);
        QVERIFY(reg.start().isEmpty());
        QCOMPARE(reg.agents().size(), 3);
        QVERIFY(QTest::qWaitFor([&] { return reg.settled(); }, 10000));

        // The ABI-2 plugin failed for good and is not restarted.
        QCOMPARE(failures.size(), 1);
        QCOMPARE(failures[0][0].toString(), QStringLiteral("io.conduit.test.abi"));
        QVERIFY(failures[0][1].toString().contains(QLatin1String("ABI major mismatch")));
        QCOMPARE(failures[0][2].toBool(), false);

        AgentProxy *fault = reg.agentForDeviceType(QStringLiteral("fault-test"));
        QVERIFY(fault);
        QByteArray data(4 << 20, 'q');
        QBuffer src(&data);
        src.open(QIODevice::ReadOnly);
        UpdateSpec u;
        u.deviceId = QStringLiteral("fault-1");
        u.length = quint64(data.size());
        auto *c = fault->call(Op::Transfer, u, &src);
        QSignalSpy done(c, &AgentCall::finished);
        QVERIFY(done.wait(10000));
        QVERIFY(done.first().first().value<CallResult>().runnerFailed);

        // While it restarts, the ECU agent answers.
        AgentProxy *ecu = reg.agent(QStringLiteral("io.conduit.example.ecu"));
        auto *inv = ecu->call(Op::Inventory);
        QSignalSpy invDone(inv, &AgentCall::finished);
        QVERIFY(invDone.wait(10000));
        QVERIFY(invDone.first().first().value<CallResult>().ok());

        QVERIFY(QTest::qWaitFor([&] { return fault->state() == AgentProxy::State::Ready; }, 10000));
        QCOMPARE(reg.restarts(QStringLiteral("io.conduit.test.fault")), 1);
        QCOMPARE(reg.restarts(QStringLiteral("io.conduit.test.abi")), 0);
        QCOMPARE(failures.size(), 2);
        QCOMPARE(failures[1][2].toBool(), true);
        qunsetenv("CONDUIT_TEST_FAULT");
        reg.stop();
    }

    void repeatedFailuresBackOff() {
        // An agent that crashes at every start: restarts continue, spaced out.
        qputenv("CONDUIT_TEST_FAULT", "crash@init");
        RegistryConfig c = config();
        AgentRegistry reg(c);
        QSignalSpy failures(&reg, &AgentRegistry::agentFailed);
        reg.start();
        QElapsedTimer t;
        t.start();
        // 50, 100, 200 ms (±20%) between the first four failures of the fault agent.
        QVERIFY(QTest::qWaitFor(
            [&] {
                int n = 0;
                for (const auto &f : failures) n += f[0].toString() == QLatin1String("io.conduit.test.fault");
                return n >= 4;
            },
            15000));
        QVERIFY2(t.elapsed() >= 280, qPrintable(QString::number(t.elapsed())));
        QVERIFY(reg.restarts(QStringLiteral("io.conduit.test.fault")) >= 3);
        qunsetenv("CONDUIT_TEST_FAULT");
        reg.stop();
    }
    // A normal shutdown runs every plugin's destroy() before stop() returns
    // (the runners used to die by PR_SET_PDEATHSIG first).
    void stopRunsDestroyBeforeReturning() {
        AgentRegistry reg(config());
        QVERIFY(reg.start().isEmpty());
        QVERIFY(QTest::qWaitFor([&] { return reg.settled(); }, 10000));
        AgentProxy *fault = reg.agent(QStringLiteral("io.conduit.test.fault"));
        QVERIFY(fault && fault->state() == AgentProxy::State::Ready);
        const QString marker = state_.filePath(QStringLiteral("agents/io.conduit.test.fault/destroyed"));
        QFile::remove(marker);
        reg.stop();
        QVERIFY2(QFile::exists(marker), "destroy() did not run before stop() returned");
        QVERIFY(!fault->running());
        QCOMPARE(fault->state(), AgentProxy::State::Stopped);
    }
};

QTEST_GUILESS_MAIN(TestAgentRegistry)
#include "tst_agentregistry.moc"
