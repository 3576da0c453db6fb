// The gateway over the real agents: an inventory answers for the agents that
// are up and never waits on one that is down (a crash-looping agent must not
// hold up its healthy neighbours' campaigns).
#include "gatedsource.h"

#include "agents/agentregistry.h"
#include "daemon/registrygateway.h"

#include <QElapsedTimer>
#include <QFile>

using namespace conduit::agents;
using conduit::core::DeviceRecord;
using conduit::daemon::RegistryGateway;

class TestRegistryGateway : public QObject {
    Q_OBJECT
    QTemporaryDir manifests_, state_;

private slots:
    void inventoryDoesNotWaitForACrashLoopingAgent() {
        writeManifest(manifests_, QStringLiteral("io.conduit.example.ecu"),
                      QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.so"), QStringLiteral("example-ecu"));
        writeManifest(manifests_, QStringLiteral("io.conduit.test.fault"), testAgent(QStringLiteral("test-fault.so")),
                      QStringLiteral("fault-test"));
        // The fault agent crashes in create() every time it is started.
        qputenv("CONDUIT_TEST_FAULT", "crash@init");
        RegistryConfig c;
        c.agentDirs = {manifests_.path()};
        c.stateDir = state_.path();
        c.runnerPath = QStringLiteral(CONDUIT_RUNNER_PATH);
        c.restartBackoffMs = 20;
        c.restartBackoffMaxMs = 100;
        AgentRegistry reg(c);
        QVERIFY(reg.start().isEmpty());
        QVERIFY(QTest::qWaitFor([&] { return reg.settled(); }, 10000));
        const int settleWaitMs = 15000; // the default a call waits for a restarting agent
        RegistryGateway gateway(&reg, settleWaitMs);

        // A campaign asks several times (check, verify, ...); every answer
        // comes without waiting for the broken agent to come up.
        for (int round = 0; round < 3; ++round) {
            bool answered = false;
            QList<DeviceRecord> devices;
            QString error;
            QElapsedTimer t;
            t.start();
            gateway.inventory([&](const QList<DeviceRecord> &d, const QString &e) {
                answered = true;
                devices = d;
                error = e;
            });
            QVERIFY(QTest::qWaitFor([&] { return answered; }, settleWaitMs + 5000));
            const qint64 ms = t.elapsed();
            // Sanity bound only: far below the wait for a restarting agent.
            QVERIFY2(ms < settleWaitMs / 5, qPrintable(QStringLiteral("inventory took %1 ms").arg(ms)));
            QVERIFY(!devices.isEmpty());
            for (const DeviceRecord &d : devices) QCOMPARE(d.agentId, QStringLiteral("io.conduit.example.ecu"));
            QVERIFY2(error.contains(QLatin1String("io.conduit.test.fault")), qPrintable(error));
            QVERIFY2(error.contains(QLatin1String("crashed during init")), qPrintable(error));
        }
        QVERIFY(reg.restarts(QStringLiteral("io.conduit.test.fault")) >= 1);
        qunsetenv("CONDUIT_TEST_FAULT");
        reg.stop();
    }
};

QTEST_GUILESS_MAIN(TestRegistryGateway)
#include "tst_registrygateway.moc"
