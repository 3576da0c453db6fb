// The gateway over the real agents: an inventory answers for the agents that
// are up and never waits on one that is down (a crash-looping agent must not
// hold up its healthy neighbours' campaigns); devices belong to agents by
// the host's declaration, so a hostile agent reporting its neighbour's
// device id gets neither the device nor a step for it.
#include "gatedsource.h"

#include "agents/agentregistry.h"
#include "core/campaignplan.h"
#include "daemon/registrygateway.h"

#include <conduit/agent.h>

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>

using namespace conduit::agents;
using conduit::core::CampaignTarget;
using conduit::core::DeviceRecord;
using conduit::daemon::RegistryGateway;

class TestRegistryGateway : public QObject {
    Q_OBJECT
    QTemporaryDir manifests_, state_;

    static constexpr auto kVictim = "io.conduit.example.ecu";
    static constexpr auto kHijacker = "io.conduit.test.fault";

    // The example ECU (device example-ecu-1) beside the fault agent, which
    // reports example-ecu-1 as its own device.
    std::unique_ptr<AgentRegistry> startVictimAndHijacker(const QTemporaryDir &manifests, const QTemporaryDir &config,
                                                          const QTemporaryDir &state,
                                                          const QHash<QString, QStringList> &owners) {
        writeManifest(manifests, QLatin1String(kVictim), QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.so"),
                      QStringLiteral("example-ecu"));
        writeManifest(manifests, QLatin1String(kHijacker), testAgent(QStringLiteral("test-fault.so")),
                      QStringLiteral("fault-test"));
        QFile f(config.filePath(QLatin1String(kHijacker) + QLatin1String(".json")));
        if (!f.open(QIODevice::WriteOnly)) return nullptr;
        f.write(R"({"device_id": "example-ecu-1"})");
        f.close();
        RegistryConfig c;
        c.agentDirs = {manifests.path()};
        c.agentConfigDir = config.path();
        c.stateDir = state.path();
        c.runnerPath = QStringLiteral(CONDUIT_RUNNER_PATH);
        c.deviceOwners = owners;
        auto reg = std::make_unique<AgentRegistry>(c);
        if (!reg->start().isEmpty()) return nullptr;
        if (!QTest::qWaitFor([&] { return reg->settled(); }, 10000)) return nullptr;
        return reg;
    }

    static void inventoryOf(RegistryGateway &gateway, QList<DeviceRecord> *devices, QString *error) {
        bool answered = false;
        gateway.inventory([&](const QList<DeviceRecord> &d, const QString &e) {
            answered = true;
            *devices = d;
            *error = e;
        });
        QVERIFY(QTest::qWaitFor([&] { return answered; }, 15000));
    }

    static QList<CampaignTarget> victimTarget() {
        CampaignTarget t;
        t.deviceId = QStringLiteral("example-ecu-1");
        t.targetName = QStringLiteral("ecu.bin");
        t.version = QStringLiteral("2.0.0");
        t.length = 4;
        return {t};
    }

private slots:
    void aDeviceGoesOnlyToItsDeclaredAgent() {
        QTemporaryDir manifests, config, state;
        auto reg = startVictimAndHijacker(manifests, config, state,
                                          {{QLatin1String(kVictim), {QStringLiteral("example-ecu-*")}}});
        QVERIFY(reg);
        RegistryGateway gateway(reg.get());
        QList<DeviceRecord> devices;
        QString error;
        inventoryOf(gateway, &devices, &error);
        QCOMPARE(devices.size(), 1);
        QCOMPARE(devices[0].agentId, QLatin1String(kVictim));
        QCOMPARE(devices[0].info.id, QStringLiteral("example-ecu-1"));
        QCOMPARE(gateway.refusedDevices().size(), 1);
        const RefusedDevice refused = gateway.refusedDevices().first();
        QCOMPARE(refused.agentId, QLatin1String(kHijacker));
        QCOMPARE(refused.deviceId, QStringLiteral("example-ecu-1"));
        QVERIFY2(refused.reason.contains(QLatin1String("belongs to agent io.conduit.example.ecu")),
                 qPrintable(refused.reason));
        QVERIFY2(error.contains(refused.reason), qPrintable(error));

        // The campaign for the victim's device is planned on the victim.
        const auto plan = conduit::core::planCampaign(victimTarget(), devices, error);
        QVERIFY2(plan.problems.isEmpty(), qPrintable(plan.problems.join(QLatin1Char('\n'))));
        QCOMPARE(plan.devices.size(), 1);
        QCOMPARE(plan.devices[0].agentId, QLatin1String(kVictim));

        // And a step for it addressed to the hijacker never reaches it: the
        // payload is not read, the call is refused.
        QBuffer payload;
        payload.setData(QByteArray("data"));
        QVERIFY(payload.open(QIODevice::ReadOnly));
        UpdateSpec u;
        u.deviceId = QStringLiteral("example-ecu-1");
        u.version = QStringLiteral("2.0.0");
        u.length = 4;
        bool finished = false;
        CallResult result;
        gateway.call(conduit::ipc::Op::Transfer, QLatin1String(kHijacker), u, &payload, [&](const CallResult &r) {
            finished = true;
            result = r;
        });
        QVERIFY(QTest::qWaitFor([&] { return finished; }, 15000));
        QVERIFY(!result.ok());
        QCOMPARE(result.code, int(CONDUIT_E_NO_DEVICE));
        QVERIFY2(result.message.contains(QLatin1String("may not serve it")), qPrintable(result.message));
        QCOMPARE(payload.pos(), 0);
        reg->stop();
    }

    void aDeviceTwoUndeclaredAgentsReportIsRefusedFromBoth() {
        QTemporaryDir manifests, config, state;
        auto reg = startVictimAndHijacker(manifests, config, state, {});
        QVERIFY(reg);
        RegistryGateway gateway(reg.get());
        QList<DeviceRecord> devices;
        QString error;
        inventoryOf(gateway, &devices, &error);
        for (const DeviceRecord &d : devices) QVERIFY(d.info.id != QStringLiteral("example-ecu-1"));
        QCOMPARE(gateway.refusedDevices().size(), 2);
        QVERIFY2(error.contains(QLatin1String("reported by agents io.conduit.example.ecu, io.conduit.test.fault")),
                 qPrintable(error));
        // The campaign fails clearly instead of going to either of them.
        const auto plan = conduit::core::planCampaign(victimTarget(), devices, error);
        QVERIFY(plan.devices.isEmpty());
        QVERIFY2(plan.problems.join(QLatin1Char(' ')).contains(QLatin1String("reported by agents")),
                 qPrintable(plan.problems.join(QLatin1Char(' '))));
        reg->stop();
    }

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
