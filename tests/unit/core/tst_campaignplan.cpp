// The campaign's check against the vehicle's inventory and its install
// order (core/campaignplan.h), alone: no engine, no agents, no journal.
#include "core/campaignplan.h"

#include <conduit/agent.h>

#include <QTest>

using namespace conduit::core;

namespace {

CampaignTarget target(const char *device, int phase = 0, const QStringList &deps = {}) {
    CampaignTarget t;
    t.deviceId = QLatin1String(device);
    t.hardwareId = t.deviceId + QStringLiteral("-hw");
    t.targetName = t.deviceId + QStringLiteral(".img");
    t.version = QStringLiteral("2.0");
    t.length = 100;
    t.phase = phase;
    t.dependencies = deps;
    return t;
}

DeviceRecord device(const char *id, quint32 caps = CONDUIT_CAP_ROLLBACK, const char *agent = "io.conduit.example") {
    DeviceRecord d;
    d.agentId = QLatin1String(agent);
    d.info.id = QLatin1String(id);
    d.info.hardwareId = d.info.id + QStringLiteral("-hw");
    d.info.currentVersion = QStringLiteral("1.0");
    d.info.capabilities = caps;
    return d;
}

} // namespace

class TestCampaignPlan : public QObject {
    Q_OBJECT

private slots:
    void installablePlanKeepsTheCampaignOrderAndWhatEachDeviceRuns() {
        DeviceRecord gw = device("gw", CONDUIT_CAP_ROLLBACK, "io.conduit.flash");
        gw.info.currentVersion = QStringLiteral("0.9");
        const CampaignPlan p = planCampaign({target("ecu", 1, {QStringLiteral("gw")}), target("gw", 0)},
                                            {gw, device("ecu"), device("unrelated")}, {});
        QVERIFY2(p.installable(), qPrintable(p.problems.join(QLatin1Char('\n'))));
        QCOMPARE(p.firstDevice, QString());
        QCOMPARE(p.devices.size(), 2);
        QCOMPARE(p.devices[0].target.deviceId, QStringLiteral("ecu"));
        QCOMPARE(p.devices[0].target.phase, 1);
        QCOMPARE(p.devices[0].agentId, QStringLiteral("io.conduit.example"));
        QCOMPARE(p.devices[1].target.deviceId, QStringLiteral("gw"));
        QCOMPARE(p.devices[1].agentId, QStringLiteral("io.conduit.flash"));
        QCOMPARE(p.devices[1].fromVersion, QStringLiteral("0.9"));
        QCOMPARE(p.devices[1].capabilities, quint32(CONDUIT_CAP_ROLLBACK));
        QCOMPARE(p.devices[1].target.phase, 0);
    }

    void missingDeviceNamesWhyTheInventoryMayLackIt() {
        const CampaignPlan p = planCampaign({target("gw"), target("ghost")}, {device("gw")},
                                            QStringLiteral("agent io.conduit.x not running: crashed"));
        QVERIFY(!p.installable());
        QCOMPARE(p.problems, QStringList{QStringLiteral(
                                 "device ghost is not in this vehicle (agent io.conduit.x not running: crashed)")});
        QCOMPARE(p.firstDevice, QStringLiteral("ghost"));
        QCOMPARE(p.devices.size(), 1); // the missing device has no agent to plan with
        const CampaignPlan quiet = planCampaign({target("ghost")}, {}, {});
        QCOMPARE(quiet.problems, QStringList{QStringLiteral("device ghost is not in this vehicle")});
    }

    void deviceTwiceIsRefused() {
        const CampaignPlan p = planCampaign({target("gw"), target("gw")}, {device("gw")}, {});
        QCOMPARE(p.problems, QStringList{QStringLiteral("device gw appears twice")});
        QCOMPARE(p.firstDevice, QStringLiteral("gw"));
    }

    void hardwareIdMustMatchWhenSigned() {
        CampaignTarget wrong = target("gw");
        wrong.hardwareId = QStringLiteral("other-board");
        CampaignPlan p = planCampaign({wrong}, {device("gw")}, {});
        QCOMPARE(p.problems,
                 QStringList{QStringLiteral("device gw: hardware id gw-hw does not match target's other-board")});
        CampaignTarget unsigned_ = target("gw");
        unsigned_.hardwareId.clear(); // not stated: any hardware
        p = planCampaign({unsigned_}, {device("gw")}, {});
        QVERIFY(p.installable());
    }

    void deviceWithoutRollbackNeedsThePackagesLeaveAndGoesLast() {
        CampaignPlan p = planCampaign({target("gw", 0), target("ecu", 3)}, {device("gw", 0), device("ecu")}, {});
        QCOMPARE(p.problems,
                 QStringList{QStringLiteral("device gw cannot roll back and the package does not allow that")});
        QCOMPARE(p.firstDevice, QStringLiteral("gw"));

        CampaignTarget allowed = target("gw", 0);
        allowed.allowNoRollback = true;
        p = planCampaign({allowed, target("ecu", 3)}, {device("gw", 0), device("ecu")}, {});
        QVERIFY2(p.installable(), qPrintable(p.problems.join(QLatin1Char('\n'))));
        QCOMPARE(p.devices[0].target.phase, 4); // after every other phase
        QCOMPARE(p.devices[1].target.phase, 3);
    }

    void dependenciesAreDevicesOfThePackageInAnEarlierPhase() {
        CampaignPlan p = planCampaign({target("ecu", 1, {QStringLiteral("nowhere")})}, {device("ecu")}, {});
        QCOMPARE(p.problems, QStringList{QStringLiteral("device ecu depends on nowhere, which is not in the package")});

        p = planCampaign({target("ecu", 1, {QStringLiteral("gw")}), target("gw", 1)}, {device("ecu"), device("gw")},
                         {});
        QCOMPARE(p.problems,
                 QStringList{QStringLiteral("device ecu depends on gw, which is not installed in an earlier phase")});

        // A dependency moved last for lack of rollback is no longer earlier.
        CampaignTarget gw = target("gw", 0);
        gw.allowNoRollback = true;
        p = planCampaign({target("ecu", 1, {QStringLiteral("gw")}), gw}, {device("ecu"), device("gw", 0)}, {});
        QCOMPARE(p.problems,
                 QStringList{QStringLiteral("device ecu depends on gw, which is not installed in an earlier phase")});
    }

    void everyProblemIsListedAndTheFirstNamesTheDevice() {
        CampaignTarget wrong = target("b");
        wrong.hardwareId = QStringLiteral("x");
        const CampaignPlan p = planCampaign({target("a"), wrong, target("c")}, {device("b"), device("c", 0)}, {});
        QCOMPARE(p.problems.size(), 3);
        QCOMPARE(p.firstDevice, QStringLiteral("a"));
        QVERIFY(p.problems[0].startsWith(QStringLiteral("device a is not in this vehicle")));
        QVERIFY(p.problems[1].startsWith(QStringLiteral("device b: hardware id")));
        QVERIFY(p.problems[2].startsWith(QStringLiteral("device c cannot roll back")));
    }

    void campaignWithoutTargetsIsRefused() {
        const CampaignPlan p = planCampaign({}, {device("gw")}, {});
        QCOMPARE(p.problems, QStringList{QStringLiteral("the campaign has no targets")});
        QCOMPARE(p.firstDevice, QString());
        QVERIFY(p.devices.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCampaignPlan)
#include "tst_campaignplan.moc"
