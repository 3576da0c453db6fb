// hawkBit DDI documents: what a real server sends parses; what a hostile or
// broken one sends is refused with a reason.
#include "ddisamples.h"

#include <QJsonDocument>
#include <QTest>

using namespace conduit::upstream::ddi;

class TestDdiModel : public QObject {
    Q_OBJECT
private slots:
    void baseWithLinks() {
        QString error;
        auto b = parseBase(kSample0, kServer, &error);
        QVERIFY2(b, qPrintable(error));
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
        QString error;
        QVERIFY(!parseBase(kSample1, kServer, &error));
        QVERIFY(error.contains(QLatin1String("HH:MM:SS")));
    }
    void deploymentWithChunksAndArtifacts() {
        QString error;
        auto d = parseDeployment(deployment(), kServer, &error);
        QVERIFY2(d, qPrintable(error));
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
        QTest::newRow("not json") << QByteArray("{") << "invalid JSON";
        QTest::newRow("no id") << QByteArray(kSample2) << "action id";
        QTest::newRow("bad handling") << QByteArray(kSample3) << "skip, attempt or forced";
        QTest::newRow("no chunks") << QByteArray(kSample4) << "chunks";
        QTest::newRow("traversal") << deployment(kSample5) << "unsafe";
        QTest::newRow("no sha256") << deployment(kSample6) << "sha256";
        QTest::newRow("negative size") << deployment(kSample7) << "size";
        QTest::newRow("file link") << deployment(kSample8) << "download link";
        QTest::newRow("too large") << QByteArray(kMaxDocumentBytes + 1, ' ') << "larger than";
    }
    void refusedDeployments() {
        QFETCH(QByteArray, json);
        QFETCH(QString, why);
        QString error;
        QVERIFY(!parseDeployment(json, kServer, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
    }
    void cancel() {
        QString error;
        auto c = parseCancel(kSample9, &error);
        QVERIFY(c);
        QCOMPARE(c->stopId, QStringLiteral("42"));
        QVERIFY(!parseCancel(kSample10, &error));
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
