// Recovery from journals as earlier hosts left them (tests/fixtures/journal,
// written by the host before journal records were typed: see its README),
// and from a journal with a record this host cannot read.
#include "enginefixture.h"

#include <QDir>
#include <QFile>
#include <QTest>

using conduit::agents::UpdateState;

namespace {

// A fixture whose journal is a copy of `name` from tests/fixtures/journal
// (campaign c1 of enginefixture.h: gw in phase 0, ecu-a and ecu-b in 1,
// all from 1.0 to 2.0, origin ddi:action/42, on_condition_break rollback).
struct FromFixture {
    QTemporaryDir dir;
    QString path = dir.filePath(QStringLiteral("journal"));
    std::unique_ptr<Journal> journal;
    FakeGateway gateway;
    MemoryPayloads payloads;
    VehicleState vehicle;
    std::unique_ptr<CampaignEngine> engine;

    bool copied = false;

    explicit FromFixture(const char *name, quint32 caps = CONDUIT_CAP_ROLLBACK) {
        copied = QFile::copy(QStringLiteral(CONDUIT_FIXTURES "/journal/%1.journal").arg(QLatin1String(name)), path) &&
                 QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        for (const char *d : {"ecu-a", "ecu-b", "gw"}) gateway.add(QLatin1String(d), caps);
        simulateParkedCar(&vehicle);
    }
    // Opens the journal and starts the engine on it (after the test set the
    // devices as the power cut left them).
    bool open() {
        if (!copied) return false;
        journal = std::make_unique<Journal>(path);
        QString error;
        if (!journal->open(&error)) return false;
        CampaignEngine::Config c;
        c.historyPath = dir.filePath(QStringLiteral("history.json"));
        engine = std::make_unique<CampaignEngine>(journal.get(), &gateway, &payloads, &vehicle, c);
        return true;
    }
    CampaignEngine::Result recover() {
        QSignalSpy done(engine.get(), &CampaignEngine::finished);
        engine->recover();
        if (done.isEmpty() && !done.wait(5000)) return {};
        return done.first().first().value<CampaignEngine::Result>();
    }
    void set(const char *device, const char *current, UpdateState state) {
        FakeDevice &d = gateway.devices[QLatin1String(device)];
        d.previous = d.current;
        d.current = QLatin1String(current);
        d.state = state;
    }
    QStringList versions() const {
        QStringList v;
        for (const FakeDevice &d : gateway.devices) v << d.current;
        return v;
    }
    bool append(const QJsonObject &record) {
        Journal j(path);
        QString error;
        return j.open(&error) && j.append(record, true, &error);
    }
};

} // namespace

class TestCampaignRecovery : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<CampaignEngine::Result>(); }

    // --- journals of the previous host ---

    // Cut while installing (all three staged, no decision yet): roll back.
    void previousHostCutWhileInstalling() {
        FromFixture f("installing");
        for (const char *d : {"gw", "ecu-a", "ecu-b"}) f.set(d, "1.0", UpdateState::Staged);
        QVERIFY(f.open());
        const auto r = f.recover();
        QCOMPARE(r.outcome, Outcome::RolledBack);
        QCOMPARE(r.campaignId, QStringLiteral("c1"));
        QCOMPARE(failureOf(r), QStringLiteral("//interrupted"));
        QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
        for (const FakeDevice &d : f.gateway.devices) QCOMPARE(d.state, UpdateState::Idle);
        // The campaign as journaled, with its origin and signed rule.
        QCOMPARE(f.engine->current().origin, CampaignOrigin::ddiAction(QStringLiteral("42")));
        QCOMPARE(f.engine->current().onConditionBreak, ConditionBreak::Rollback);
        QCOMPARE(f.journal->records().size(), 0);
    }

    // Cut during a rollback that ecu-b's activation started: finish it,
    // explained by the failure the old host journaled.
    void previousHostCutWhileRollingBack() {
        FromFixture f("rollback");
        f.set("gw", "2.0", UpdateState::Activated);
        f.set("ecu-a", "2.0", UpdateState::Activated);
        f.set("ecu-b", "1.0", UpdateState::Staged);
        QVERIFY(f.open());
        const auto r = f.recover();
        QCOMPARE(r.outcome, Outcome::RolledBack);
        QCOMPARE(failureOf(r), QStringLiteral("ecu-b/activate/device-error"));
        QCOMPARE(r.failure.reason, QStringLiteral("device ecu-b: activate failed: injected activate failure"));
        QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
        QCOMPARE(f.gateway.count(QStringLiteral("activate"), QStringLiteral("gw")), 0);
    }

    // Cut by the reboot after activation: verify what booted, commit.
    void previousHostRebootedAfterActivation() {
        FromFixture f("reboot", CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT);
        for (const char *d : {"gw", "ecu-a", "ecu-b"}) f.set(d, "2.0", UpdateState::Activated);
        QVERIFY(f.open());
        const auto r = f.recover();
        QCOMPARE(r.outcome, Outcome::Success);
        QCOMPARE(f.gateway.calls, QStringList({"commit:gw", "commit:ecu-a", "commit:ecu-b"}));
        for (const FakeDevice &d : f.gateway.devices) QCOMPARE(d.state, UpdateState::Idle);
    }

    // Cut after the result was journaled, before it reached the history.
    void previousHostFinishedBeforeTheHistory() {
        FromFixture f("finish");
        QVERIFY(f.open());
        QVERIFY(f.engine->history().isEmpty());
        f.engine->recover();
        QCOMPARE(f.engine->history().size(), 1);
        const auto r = f.engine->history()[0];
        QCOMPARE(r.campaignId, QStringLiteral("c1"));
        QCOMPARE(r.outcome, Outcome::RolledBack);
        QCOMPARE(failureOf(r), QStringLiteral("ecu-a/install/device-error"));
        QCOMPARE(r.finished, QDateTime::fromString(QStringLiteral("2026-12-01T23:07:56Z"), Qt::ISODate));
        QVERIFY(f.gateway.calls.isEmpty());
        QCOMPARE(f.journal->records().size(), 0);
    }

    // --- a record this host cannot read ---

    // After it, the campaign may have gone on or back: nothing is done to
    // the devices, all are flagged, the result says why, and the journal
    // stays readable beside for the workshop.
    void unknownRecordLeavesTheDevicesAndIsReported() {
        FromFixture f("rollback");
        f.set("gw", "2.0", UpdateState::Activated);
        f.set("ecu-a", "2.0", UpdateState::Activated);
        QVERIFY(f.append({{"type", "rollback-begin-v2"}, {"at", "2027-01-01T00:00:00Z"}}));
        QFile original(f.path);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray before = original.readAll();
        original.close();
        QVERIFY(f.open());
        const auto r = f.recover();
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.campaignId, QStringLiteral("c1"));
        QCOMPARE(failureOf(r), QStringLiteral("/journal/host-error"));
        QVERIFY2(r.failure.reason.contains(QLatin1String("record 13 of 13: unknown record type \"rollback-begin-v2\"")),
                 qPrintable(r.failure.reason));
        QVERIFY2(r.failure.reason.contains(QLatin1String("neither resumed nor rolled back")),
                 qPrintable(r.failure.reason));
        QCOMPARE(r.flaggedDevices, QStringList({"gw", "ecu-a", "ecu-b"}));
        QVERIFY(f.gateway.calls.isEmpty());
        QCOMPARE(f.versions(), QStringList({"2.0", "1.0", "2.0"}));
        QCOMPARE(f.engine->history().size(), 1);
        QCOMPARE(f.engine->state(), State::Idle);
        const QStringList kept = QDir(f.dir.path()).entryList({QStringLiteral("journal.unreadable-*")});
        QCOMPARE(kept.size(), 1);
        QVERIFY2(r.failure.reason.contains(kept[0]), qPrintable(r.failure.reason));
        QFile copy(f.dir.filePath(kept[0]));
        QVERIFY(copy.open(QIODevice::ReadOnly));
        QCOMPARE(copy.readAll(), before);
        QCOMPARE(f.journal->records().size(), 0);
    }

    // A plan run without its device: flagged are the campaign's targets.
    void malformedPlanFlagsTheCampaignsDevices() {
        FromFixture f("installing");
        QVERIFY(f.open());
        Campaign c = Campaign::fromJson(f.journal->records()[0].value(QLatin1String("campaign")).toObject());
        QString error;
        QVERIFY(f.journal->compact(
            {{{"type", "start"}, {"campaign", c.toJson()}},
             {{"type", "plan"},
              {"runs",
               QJsonArray{QJsonObject{{"agent", "fake.agent"}, {"from", "1.0"}, {"capabilities", 1}, {"phase", 0}}}}}},
            &error));
        const auto r = f.recover();
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(r.failure.reason.contains(
                     QLatin1String("record 2 of 2: plan record: run 0: \"device\" is missing or not a string")),
                 qPrintable(r.failure.reason));
        QCOMPARE(r.flaggedDevices, QStringList({"gw", "ecu-a", "ecu-b"}));
        QVERIFY(f.gateway.calls.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCampaignRecovery)
#include "tst_campaignrecovery.moc"
