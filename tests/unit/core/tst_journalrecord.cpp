// The journal's records: each type written and read back the same, the
// names on disk, and a clear error for a record recovery cannot trust.
#include "core/journalrecord.h"

#include <QJsonArray>
#include <QTest>

using namespace conduit::core;

namespace {

Failure someFailure() {
    return {Failure::Step::Activate, Failure::Kind::DeviceError, QStringLiteral("ecu-b"),
            QStringLiteral("device ecu-b: activate failed: boom")};
}

JournalRecord roundTrip(const JournalRecord &r) {
    const auto back = JournalRecord::fromJson(r.toJson());
    if (!back) qWarning("%s", qPrintable(back.error().message));
    return back ? *back : JournalRecord::marker(RecordType::Finish);
}

} // namespace

class TestJournalRecord : public QObject {
    Q_OBJECT
private slots:
    // The on-disk names: journals of earlier hosts carry exactly these.
    void typeNamesAreTheOnDiskOnes() {
        const QList<std::pair<RecordType, const char *>> names{
            {RecordType::Start, "start"},
            {RecordType::Plan, "plan"},
            {RecordType::Consent, "consent"},
            {RecordType::Staged, "staged"},
            {RecordType::Installed, "installed"},
            {RecordType::ActivateBegin, "activate-begin"},
            {RecordType::RebootPending, "reboot-pending"},
            {RecordType::CommitBegin, "commit-begin"},
            {RecordType::CommitPending, "commit-pending"},
            {RecordType::RollbackBegin, "rollback-begin"},
            {RecordType::Finish, "finish"},
        };
        for (const auto &[type, name] : names) {
            QCOMPARE(recordTypeName(type), QLatin1String(name));
            QCOMPARE(recordTypeFromName(QString::fromLatin1(name)), std::optional<RecordType>(type));
            QCOMPARE(JournalRecord::marker(type).toJson().value(QLatin1String("type")).toString(), QLatin1String(name));
        }
    }

    void everyTypeReadsBackAsWritten() {
        Campaign c;
        c.id = QStringLiteral("c1");
        c.origin = CampaignOrigin::ddiAction(QStringLiteral("42"));
        c.onConditionBreak = ConditionBreak::Rollback;
        const JournalRecord start = roundTrip(JournalRecord::start(c));
        QCOMPARE(start.type, RecordType::Start);
        QCOMPARE(start.campaign.id, QStringLiteral("c1"));
        QCOMPARE(start.campaign.origin, CampaignOrigin::ddiAction(QStringLiteral("42")));
        QCOMPARE(start.campaign.onConditionBreak, ConditionBreak::Rollback);

        const JournalRecord plan =
            roundTrip(JournalRecord::planned({{"gw", "a.agent", "1.0", 3, 2}, {"ecu", "b.agent", "", 1, 0}}));
        QCOMPARE(plan.type, RecordType::Plan);
        QCOMPARE(plan.plan.size(), 2);
        QCOMPARE(plan.plan[0].device, QStringLiteral("gw"));
        QCOMPARE(plan.plan[0].agent, QStringLiteral("a.agent"));
        QCOMPARE(plan.plan[0].fromVersion, QStringLiteral("1.0"));
        QCOMPARE(plan.plan[0].capabilities, 3u);
        QCOMPARE(plan.plan[0].phase, 2);
        QCOMPARE(plan.plan[1].fromVersion, QString());

        const JournalRecord consent = roundTrip(JournalRecord::consent(ConsentKind::Install, ConsentAnswer::Decline));
        QCOMPARE(consent.consentKind, ConsentKind::Install);
        QCOMPARE(consent.consentAnswer, ConsentAnswer::Decline);

        QCOMPARE(roundTrip(JournalRecord::staged(QStringLiteral("gw"))).device, QStringLiteral("gw"));
        const JournalRecord broke = roundTrip(
            JournalRecord::conditionBreak({"Shift to P", "Battery at 12 %, needs 40 %"}, ConditionBreak::Rollback, 1));
        QCOMPARE(broke.type, RecordType::ConditionBreak);
        QCOMPARE(broke.unmet, QStringList({"Shift to P", "Battery at 12 %, needs 40 %"}));
        QCOMPARE(broke.rule, ConditionBreak::Rollback);
        QCOMPARE(broke.phase, 1);
        QCOMPARE(roundTrip(JournalRecord::installed(QStringLiteral("ecu"))).type, RecordType::Installed);

        const JournalRecord pending = roundTrip(JournalRecord::commitPending({"gw", "ecu"}, 3, someFailure()));
        QCOMPARE(pending.devices, QStringList({"gw", "ecu"}));
        QCOMPARE(pending.attempt, 3);
        QCOMPARE(pending.failure.reason, someFailure().reason);
        QCOMPARE(pending.failure.kind, Failure::Kind::DeviceError);

        const JournalRecord rollback = roundTrip(JournalRecord::rollbackBegin(Outcome::Cancelled, someFailure()));
        QCOMPARE(rollback.outcome, Outcome::Cancelled);
        QCOMPARE(rollback.failure.step, Failure::Step::Activate);
        QCOMPARE(rollback.failure.device, QStringLiteral("ecu-b"));

        CampaignResult result;
        result.campaignId = QStringLiteral("c1");
        result.outcome = Outcome::RolledBack;
        result.failure = someFailure();
        result.finished = QDateTime::fromString(QStringLiteral("2026-12-01T10:00:00Z"), Qt::ISODate);
        result.flaggedDevices = {"ecu"};
        result.rebootNeeded = {"gw"};
        const JournalRecord finish = roundTrip(JournalRecord::finish(result));
        QCOMPARE(finish.type, RecordType::Finish);
        QCOMPARE(finish.result.toJson(), result.toJson());
    }

    // A rollback-begin without an outcome (never written so far) means
    // what the host always read it as: rolled back.
    void rollbackBeginWithoutOutcomeIsRolledBack() {
        const auto r = JournalRecord::fromJson({{"type", "rollback-begin"}, {"reason", "x"}});
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        QCOMPARE(r->outcome, Outcome::RolledBack);
    }

    void unreadableRecordsSayWhy_data() {
        QTest::addColumn<QJsonObject>("record");
        QTest::addColumn<QString>("error");
        QTest::addRow("unknown type") << QJsonObject{{"type", "activate-begin-v2"}}
                                      << "unknown record type \"activate-begin-v2\"";
        QTest::addRow("no type") << QJsonObject{{"device", "gw"}} << "unknown record type \"\"";
        QTest::addRow("start without campaign")
            << QJsonObject{{"type", "start"}} << "start record: \"campaign\" is missing or not an object";
        QTest::addRow("start without id") << QJsonObject{{"type", "start"}, {"campaign", QJsonObject{{"name", "x"}}}}
                                          << "start record: the campaign has no id";
        QTest::addRow("plan without runs")
            << QJsonObject{{"type", "plan"}} << "plan record: \"runs\" is missing or not an array";
        QTest::addRow("plan run without device")
            << QJsonObject{{"type", "plan"},
                           {"runs",
                            QJsonArray{QJsonObject{{"agent", "a"}, {"from", "1"}, {"capabilities", 1}, {"phase", 0}}}}}
            << "plan record: run 0: \"device\" is missing or not a string";
        QTest::addRow("plan run phase not a number")
            << QJsonObject{{"type", "plan"},
                           {"runs",
                            QJsonArray{QJsonObject{
                                {"device", "gw"}, {"agent", "a"}, {"from", "1"}, {"capabilities", 1}, {"phase", "0"}}}}}
            << "plan record: run 0: \"phase\" is missing or not a number";
        QTest::addRow("staged without device")
            << QJsonObject{{"type", "staged"}, {"device", ""}} << "staged record: \"device\" is empty";
        QTest::addRow("consent of no kind")
            << QJsonObject{{"type", "consent"}, {"kind", "upload"}, {"answer", "accept"}}
            << "consent record: \"kind\" is \"upload\", not a known value";
        QTest::addRow("rollback to an unknown outcome")
            << QJsonObject{{"type", "rollback-begin"}, {"outcome", "half-done"}}
            << "rollback-begin record: \"outcome\" is \"half-done\", not a known value";
        QTest::addRow("commit-pending without devices")
            << QJsonObject{{"type", "commit-pending"}, {"attempt", 1}}
            << "commit-pending record: \"devices\" is missing or not an array";
        QTest::addRow("finish of an unknown outcome")
            << QJsonObject{{"type", "finish"}, {"result", QJsonObject{{"campaign", "c1"}, {"outcome", "maybe"}}}}
            << "finish record: unknown outcome \"maybe\"";
    }
    void unreadableRecordsSayWhy() {
        QFETCH(QJsonObject, record);
        QFETCH(QString, error);
        const auto r = JournalRecord::fromJson(record);
        QVERIFY(!r);
        QCOMPARE(r.error().message, error);
        // Only a type this host does not know is UnknownType.
        QCOMPARE(r.error().kind == RecordError::UnknownType, error.startsWith(QLatin1String("unknown record type")));
    }
};

QTEST_APPLESS_MAIN(TestJournalRecord)
#include "tst_journalrecord.moc"
