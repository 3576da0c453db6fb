// The end of a campaign when the disk is full: the result is never in
// neither the journal nor the history, and a commit that could not be made
// durable is flagged, kept in the journal and retried (docs/campaign-engine.md).
#include "enginefixture.h"

#include <QDir>
#include <QTest>

class TestCampaignCommit : public QObject {
    Q_OBJECT

    static QString typeOf(const QJsonObject &r) { return r.value(QLatin1String("type")).toString(); }
    static QStringList types(const Journal &j) {
        QStringList t;
        for (const QJsonObject &r : j.records()) t << typeOf(r);
        return t;
    }
    // The host started again on the same state: a new journal and engine.
    struct Restart {
        Journal journal;
        CampaignEngine engine;
        Restart(Fixture &f, const QString &historyPath)
            : journal(f.journal.path()), engine(&journal, &f.gateway, &f.payloads, &f.vehicle, config(historyPath)) {}
        static CampaignEngine::Config config(const QString &historyPath) {
            CampaignEngine::Config c;
            c.historyPath = historyPath;
            return c;
        }
    };

private slots:
    void initTestCase() { qRegisterMetaType<CampaignEngine::Result>(); }

    // The history cannot be written (here its directory is missing): the
    // journal keeps the result, and the next start copies it over.
    void resultStaysInJournalUntilTheHistoryHoldsIt() {
        QString history;
        Fixture f(true, [&history](CampaignEngine::Config &c) {
            history = QFileInfo(c.historyPath).absolutePath() + QStringLiteral("/later/history.json");
            c.historyPath = history;
        });
        QCOMPARE(outcomeName(f.run(f.campaign()).outcome), QStringLiteral("success"));
        QVERIFY2(types(f.journal).endsWith(QStringLiteral("finish")),
                 qPrintable(types(f.journal).join(QLatin1Char(' '))));
        QVERIFY(QDir().mkpath(QFileInfo(history).absolutePath()));
        Restart r(f, history);
        QString error;
        QVERIFY(r.journal.open(&error));
        r.engine.recover();
        QCOMPARE(r.engine.history().size(), 1);
        QCOMPARE(outcomeName(r.engine.history()[0].outcome), QStringLiteral("success"));
        QVERIFY(r.journal.records().isEmpty());
        Restart again(f, history);
        QCOMPARE(again.engine.history().size(), 1); // durable, not only in memory
    }

    // The agent cannot write its state once (a full disk, CONDUIT_E_IO
    // without a message): the commit is retried and the campaign succeeds.
    void failedCommitIsRetried() {
        Fixture f(true, [](CampaignEngine::Config &c) { c.commitRetryMs = {10}; });
        f.gateway.diskFullAt[QStringLiteral("ecu-a:commit")] = 1;
        QSignalSpy states(f.engine.get(), &CampaignEngine::stateChanged);
        const auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("success"));
        QVERIFY(states.contains(QVariantList{QVariant::fromValue(State::CommitPending)}));
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("ecu-a")), 2);
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("gw")), 1); // confirmed once is enough
        QCOMPARE(f.engine->history().size(), 1);
        QVERIFY(f.journal.records().isEmpty());
    }

    // Still failing once the retries of this life are spent: reported with
    // the device flagged, the journal kept, the engine held; the next start
    // commits it and records the success.
    void pendingCommitIsFlaggedKeptAndRetriedAtTheNextStart() {
        Fixture f(true, [](CampaignEngine::Config &c) { c.commitRetryMs = {10}; });
        f.gateway.diskFullAt[QStringLiteral("ecu-a:commit")] = 2;
        const auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("failed"));
        QCOMPARE(r.flaggedDevices, QStringList{QStringLiteral("ecu-a")});
        QCOMPARE(failureOf(r), QStringLiteral("ecu-a/commit/device-error"));
        QVERIFY2(r.failure.reason.contains(QLatin1String("commit pending on ecu-a")), qPrintable(r.failure.reason));
        QCOMPARE(f.engine->state(), State::CommitPending);
        QVERIFY(types(f.journal).contains(QStringLiteral("commit-begin")));
        QVERIFY(!types(f.journal).contains(QStringLiteral("finish")));
        QCOMPARE(f.gateway.devices[QStringLiteral("ecu-a")].state, conduit::agents::UpdateState::Activated);
        // Nothing else starts while its devices are on trial.
        f.engine->submit(f.campaign());
        QCoreApplication::processEvents();
        QCOMPARE(f.engine->state(), State::CommitPending);
        QCOMPARE(f.engine->queued(), 1);

        const QString history = f.dir.filePath(QStringLiteral("history.json"));
        Restart next(f, history);
        QCOMPARE(next.engine.history().size(), 1); // the report outlived the host
        QString error;
        QVERIFY(next.journal.open(&error));
        QSignalSpy done(&next.engine, &CampaignEngine::finished);
        next.engine.recover();
        QVERIFY(done.wait());
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
        QCOMPARE(f.gateway.devices[QStringLiteral("ecu-a")].state, conduit::agents::UpdateState::Idle);
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("ecu-b")), 1);
        QCOMPARE(next.engine.history().size(), 2);
        QCOMPARE(outcomeName(next.engine.history()[0].outcome), QStringLiteral("success"));
        QVERIFY(next.journal.records().isEmpty());
    }

    // A commit pending at every start is reported once, not at every start.
    void pendingCommitIsReportedOnce() {
        Fixture f(true, [](CampaignEngine::Config &c) { c.commitRetryMs = {}; });
        f.gateway.diskFullAt[QStringLiteral("ecu-b:commit")] = 2;
        QCOMPARE(f.run(f.campaign()).flaggedDevices, QStringList{QStringLiteral("ecu-b")});
        Restart next(f, f.dir.filePath(QStringLiteral("history.json")));
        QString error;
        QVERIFY(next.journal.open(&error));
        QSignalSpy states(&next.engine, &CampaignEngine::stateChanged);
        QSignalSpy done(&next.engine, &CampaignEngine::finished);
        next.engine.recover();
        QTRY_COMPARE(next.engine.state(), State::CommitPending);
        QTRY_COMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("ecu-b")), 2);
        QCOMPARE(done.size(), 0);
        QCOMPARE(next.engine.history().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCampaignCommit)
#include "tst_campaigncommit.moc"
