// hawkBit DDI documents: what a real server sends parses; what a hostile or
// broken one sends is refused with a reason.
#include "ddisamples.h"

#include <QJsonDocument>
#include <QTest>

using namespace conduit::upstream::ddi;
Q_DECLARE_METATYPE(conduit::upstream::ddi::DocumentError)

class TestDdiModel : public QObject {
    Q_OBJECT
private slots:
    void baseWithLinks() {
        auto b = parseBase(kSample0, kServer);
        QVERIFY2(b, qPrintable(b ? QString() : b.error().message));
        QCOMPARE(b->pollSeconds, 90);
        QCOMPARE(actionIdFromLink(b->deploymentBase), QStringLiteral("42"));
        QVERIFY(b->configData.isValid());
        QVERIFY(b->cancelAction.isEmpty());
    }
    void sleepFormat_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("seconds");
        QTest::newRow("zero") << "00:00:00" << 0;
        QTest::newRow("day") << "24:00:00" << 86400;
        QTest::newRow("no seconds") << "00:05" << -1;
        QTest::newRow("minutes 60") << "00:60:00" << -1;
        QTest::newRow("letters") << "aa:bb:cc" << -1;
        QTest::newRow("negative") << "-1:00:00" << -1;
    }
    void sleepFormat() {
        QFETCH(QString, text);
        QFETCH(int, seconds);
        QCOMPARE(parseSleep(text), seconds);
    }
    void badSleepIsAnError() {
        auto b = parseBase(kSample1, kServer);
        QVERIFY(!b);
        QCOMPARE(b.error().kind, DocumentError::BadValue);
        QVERIFY(b.error().message.contains(QLatin1String("HH:MM:SS")));
    }
    void deploymentWithChunksAndArtifacts() {
        auto d = parseDeployment(deployment(), kServer);
        QVERIFY2(d, qPrintable(d ? QString() : d.error().message));
        QCOMPARE(d->actionId, QStringLiteral("42"));
        QCOMPARE(d->download, Handling::Forced);
        QCOMPARE(d->update, Handling::Attempt);
        QCOMPARE(d->maintenanceWindowAvailable, std::optional<bool>(false));
        QCOMPARE(d->chunks.size(), 1);
        QCOMPARE(d->chunks[0].part, QStringLiteral("brake-ecu"));
        QCOMPARE(d->chunks[0].metadata.value(QStringLiteral("ecu")), QStringLiteral("ecu-1"));
        QCOMPARE(d->chunks[0].artifacts[0].size, 4);
        QCOMPARE(d->chunks[0].artifacts[0].download.scheme(), QStringLiteral("https"));
        QCOMPARE(d->history, QStringList{QStringLiteral("queued")});
    }
    void refusedDeployments_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("why");
        QTest::addColumn<DocumentError>("kind");
        QTest::newRow("not json") << QByteArray("{") << "invalid JSON" << DocumentError::NotJson;
        QTest::newRow("no id") << QByteArray(kSample2) << "action id" << DocumentError::MissingField;
        QTest::newRow("bad handling") << QByteArray(kSample3) << "skip, attempt or forced" << DocumentError::BadValue;
        QTest::newRow("no chunks") << QByteArray(kSample4) << "chunks" << DocumentError::MissingField;
        QTest::newRow("traversal") << deployment(kSample5) << "unsafe" << DocumentError::BadValue;
        QTest::newRow("no sha256") << deployment(kSample6) << "sha256" << DocumentError::BadValue;
        QTest::newRow("negative size") << deployment(kSample7) << "size" << DocumentError::BadValue;
        QTest::newRow("file link") << deployment(kSample8) << "download link" << DocumentError::BadValue;
        QTest::newRow("too large") << QByteArray(kMaxDocumentBytes + 1, ' ') << "larger than"
                                   << DocumentError::TooLarge;
    }
    void refusedDeployments() {
        QFETCH(QByteArray, json);
        QFETCH(QString, why);
        QFETCH(DocumentError, kind);
        auto d = parseDeployment(json, kServer);
        QVERIFY(!d);
        QVERIFY2(d.error().message.contains(why), qPrintable(d.error().message));
        QCOMPARE(nameOf(d.error().kind), nameOf(kind));
    }
    void cancel() {
        auto c = parseCancel(kSample9);
        QVERIFY(c);
        QCOMPARE(c->stopId, QStringLiteral("42"));
        auto bad = parseCancel(kSample10);
        QVERIFY(!bad);
        QCOMPARE(bad.error().kind, DocumentError::MissingField);
    }
    void feedbackShape() {
        const QJsonObject f = feedback(Execution::Proceeding, Finished::None, {QStringLiteral("installing phase 1")},
                                       std::make_pair(2, 5));
        const QByteArray json = QJsonDocument(f).toJson(QJsonDocument::Compact);
        QCOMPARE(json, QByteArray(kSample11));
        QCOMPARE(QJsonDocument(confirmation(false, {})).toJson(QJsonDocument::Compact), QByteArray(kSample12));
        QCOMPARE(QJsonDocument(configData({{QStringLiteral("VIN"), QStringLiteral("W0L000051T2123456")}}))
                     .toJson(QJsonDocument::Compact),
                 QByteArray(kSample13));
    }
};

QTEST_APPLESS_MAIN(TestDdiModel)
#include "tst_ddimodel.moc"
