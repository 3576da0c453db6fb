// conduit-repo campaign: a document signed by the tool, with a trust file
// the tool wrote, is accepted by the vehicle's verifier; the same document
// tampered with, signed by too few keys, or against the schema is refused.
#include "toolrun.h"

#include "gathering/campaign/admission.h"

#include <QTemporaryDir>
#include <QTest>

using namespace conduit::gathering::campaign;

namespace {

const QString kRepo = QStringLiteral(CONDUIT_REPO_PATH);
const qint64 kNowMs = 1796086800000; // 2026-12-01T01:00:00Z

const char *kDocument = R"({
  "_type": "campaign", "spec_version": "1.0", "id": "hard-braking", "version": 4,
  "expires": "2027-01-01T00:00:00Z", "scope": {"vehicles": ["*"]},
  "collect": {"signals": ["Vehicle.Speed"]},
  "trigger": {"condition": "Vehicle.Speed > 50", "min_interval_ms": 1000},
  "window": {"pre_ms": 1000, "post_ms": 1000},
  "priority": "high", "data_class": "telemetry", "upload": "any"
})";

} // namespace

class TestCampaignSign : public QObject {
    Q_OBJECT
private slots:
    void signedByTheToolIsAccepted() {
        QTemporaryDir dir;
        auto path = [&](const char *name) { return dir.filePath(QLatin1String(name)); };
        for (const char *k : {"a.pem", "b.pem"}) {
            const auto r = tooltest::run(kRepo, {QStringLiteral("keygen"), QStringLiteral("--out"), path(k)});
            QVERIFY2(r.exitCode == 0, qPrintable(tooltest::describe(r)));
        }
        QVERIFY(tooltest::writeAll(path("doc.json"), kDocument));
        auto r =
            tooltest::run(kRepo, {QStringLiteral("campaign"), QStringLiteral("keys"), QStringLiteral("--key"),
                                  path("a.pem"), QStringLiteral("--key"), path("b.pem"), QStringLiteral("--threshold"),
                                  QStringLiteral("2"), QStringLiteral("--out"), path("campaign-keys.json")});
        QVERIFY2(r.exitCode == 0, qPrintable(tooltest::describe(r)));
        QVERIFY(r.out.contains(QLatin1String("2 key(s), threshold 2")));
        r = tooltest::run(kRepo, {QStringLiteral("campaign"), QStringLiteral("sign"), QStringLiteral("--in"),
                                  path("doc.json"), QStringLiteral("--key"), path("a.pem"), QStringLiteral("--key"),
                                  path("b.pem"), QStringLiteral("--out"), path("signed.json")});
        QVERIFY2(r.exitCode == 0, qPrintable(tooltest::describe(r)));

        auto keys = CampaignKeys::load(path("campaign-keys.json"));
        QVERIFY2(keys.ok(), qPrintable(keys.ok() ? QString() : keys.error().message));
        QCOMPARE(keys->threshold, 2);
        const VehicleIdentity vehicle{QStringLiteral("WVW0001"), {}};
        const QByteArray envelope = tooltest::readAll(path("signed.json"));
        auto accepted = verifyCampaign(envelope, *keys, vehicle, kNowMs);
        QVERIFY2(accepted.ok(), qPrintable(accepted.ok() ? QString() : accepted.error().message));
        QCOMPARE(accepted->campaign.id, QStringLiteral("hard-braking"));
        QCOMPARE(accepted->campaign.version, 4);

        // Tampered: a window made longer after signing.
        QByteArray tampered = envelope;
        QVERIFY(tampered.contains("\"post_ms\":1000"));
        tampered.replace("\"post_ms\":1000", "\"post_ms\":9000");
        auto refused = verifyCampaign(tampered, *keys, vehicle, kNowMs);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, CampaignErrorKind::Unsigned);

        // Re-signing the envelope with one key only: below the threshold of 2.
        r = tooltest::run(kRepo, {QStringLiteral("campaign"), QStringLiteral("sign"), QStringLiteral("--in"),
                                  path("signed.json"), QStringLiteral("--key"), path("a.pem"), QStringLiteral("--out"),
                                  path("one.json")});
        QVERIFY2(r.exitCode == 0, qPrintable(tooltest::describe(r)));
        auto one = verifyCampaign(tooltest::readAll(path("one.json")), *keys, vehicle, kNowMs);
        QCOMPARE(one.error().kind, CampaignErrorKind::Unsigned);
    }

    void refusesToSignAnInvalidDocument() {
        QTemporaryDir dir;
        const QString key = dir.filePath(QStringLiteral("k.pem"));
        QCOMPARE(tooltest::run(kRepo, {QStringLiteral("keygen"), QStringLiteral("--out"), key}).exitCode, 0);
        QByteArray bad(kDocument);
        bad.replace("\"window\"", "\"windows\"");
        QVERIFY(tooltest::writeAll(dir.filePath(QStringLiteral("bad.json")), bad));
        const auto r = tooltest::run(kRepo, {QStringLiteral("campaign"), QStringLiteral("sign"), QStringLiteral("--in"),
                                             dir.filePath(QStringLiteral("bad.json")), QStringLiteral("--key"), key,
                                             QStringLiteral("--out"), dir.filePath(QStringLiteral("out.json"))});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QLatin1String("windows: unknown field")), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("out.json"))));
        const auto noAction = tooltest::run(kRepo, {QStringLiteral("campaign"), QStringLiteral("--out"), key});
        QCOMPARE(noAction.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCampaignSign)
#include "tst_campaignsign.moc"
