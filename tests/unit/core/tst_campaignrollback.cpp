// After a rollback: which devices still run their new slot until the
// vehicle restarts (A/B devices rolled back after a trial boot).
#include "enginefixture.h"

#include <QTest>

using conduit::agents::UpdateState;

class TestCampaignRollback : public QObject {
    Q_OBJECT

    // Runs the campaign on A/B devices up to the reboot, restarts the host
    // with `booted` deciding what each device runs after the reboot, and
    // returns the recovered campaign's result.
    CampaignEngine::Result afterTrialBoot(Fixture &f, const std::function<void(FakeDevice &)> &booted) {
        for (FakeDevice &d : f.gateway.devices) {
            d.caps = CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT;
            d.abSlots = true;
        }
        QSignalSpy reboot(f.engine.get(), &CampaignEngine::rebootRequested);
        f.engine->submit(f.campaign());
        if (!reboot.wait(5000)) return {};
        for (FakeDevice &d : f.gateway.devices) booted(d);
        f.engine.reset();
        Journal journal(f.dir.filePath(QStringLiteral("journal")));
        QString error;
        if (!journal.open(&error)) return {};
        CampaignEngine::Config c;
        c.historyPath = f.dir.filePath(QStringLiteral("history.json"));
        CampaignEngine engine(&journal, &f.gateway, &f.payloads, &f.vehicle, c);
        QSignalSpy done(&engine, &CampaignEngine::finished);
        engine.recover();
        if (!done.wait(5000)) return {};
        history = engine.history();
        return done.first().first().value<CampaignEngine::Result>();
    }
    QList<CampaignEngine::Result> history;

private slots:
    void initTestCase() { qRegisterMetaType<CampaignEngine::Result>(); }

    // ecu-b comes back on its old software: everything rolls back, and gw
    // and ecu-a, set back to their previous slots, run 2.0 until the next
    // reboot. The result (and its JSON: history, D-Bus) says so.
    void rolledBackAfterTrialBootNeedsReboot() {
        Fixture f;
        const auto r = afterTrialBoot(f, [](FakeDevice &d) {
            if (d.id == QLatin1String("ecu-b")) {
                d.current = d.previous;
                d.state = UpdateState::Idle;
            }
        });
        QCOMPARE(r.outcome, Outcome::RolledBack);
        QCOMPARE(failureOf(r), QStringLiteral("ecu-b/verify/verification"));
        QCOMPARE(r.rebootNeeded, QStringList({"gw", "ecu-a"}));
        QCOMPARE(r.toJson().value(QLatin1String("reboot_needed")).toArray(), QJsonArray({"gw", "ecu-a"}));
        QCOMPARE(history.value(0).rebootNeeded, QStringList({"gw", "ecu-a"}));
        QVERIFY(r.flaggedDevices.isEmpty());
    }

    // The bootloader fell back on every device: nothing runs 2.0, no reboot.
    void fellBackEverywhereNeedsNoReboot() {
        Fixture f;
        const auto r = afterTrialBoot(f, [](FakeDevice &d) {
            d.current = d.previous;
            d.state = UpdateState::RolledBack;
        });
        QCOMPARE(r.outcome, Outcome::RolledBack);
        QCOMPARE(failureOf(r).section(QLatin1Char('/'), 1), QStringLiteral("verify/verification"));
        QVERIFY(r.rebootNeeded.isEmpty());
        QCOMPARE(r.toJson().value(QLatin1String("reboot_needed")).toArray(), QJsonArray());
    }

    // Devices that switch at once (no reboot): no question asked after the
    // rollback, nothing to report.
    void immediateDevicesAreNotAsked() {
        Fixture f;
        f.gateway.failAt << QStringLiteral("ecu-b:activate");
        const auto r = f.run(f.campaign());
        QCOMPARE(r.outcome, Outcome::RolledBack);
        QVERIFY(r.rebootNeeded.isEmpty());
        QCOMPARE(f.gateway.inventories, 1); // the check's only
    }
};

QTEST_GUILESS_MAIN(TestCampaignRollback)
#include "tst_campaignrollback.moc"
