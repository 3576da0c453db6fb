// The [gathering] section: defaults, every key read, and bad values as
// errors that name the key (conduitd stops on them).
#include "gatheringconfig.h"

#include <QTemporaryDir>
#include <QTest>

using namespace conduit::gathering;

class TestGatheringConfig : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    bool parse(const QByteArray &section, GatheringConfig *out, QString *error) {
        const QString path = dir_.filePath(QStringLiteral("c.conf"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
        f.write("[gathering]\n" + section);
        f.close();
        QSettings s(path, QSettings::IniFormat);
        return parseGatheringConfig(s, QDir(dir_.path()), out, error);
    }

private slots:
    void defaults() {
        GatheringConfig g;
        QString e;
        QVERIFY(parse("", &g, &e));
        QVERIFY(!g.enabled);
        QVERIFY(g.storeDir.isEmpty());
        QCOMPARE(g.store.maxBytes, 256ll << 20);
        QVERIFY(g.captures.isEmpty());
    }

    void everyKey() {
        GatheringConfig g;
        QString e;
        QVERIFY2(
            parse("enabled = true\nstore_dir = data\nmax_mb = 64\nmax_items = 500\nretention_hours = 48\n"
                  "quota_mb_camera = 32\nbatch_kib = 256\nbatch_ms = 200\nbacklog_mb = 8\nwindow_kib = 512\n"
                  "window_seconds = 30\ncaptures = cam-1/front/camera/high, ecu-1/can/diagnostics/low/log-window\n",
                  &g, &e),
            qPrintable(e));
        QVERIFY(g.enabled);
        QCOMPARE(g.storeDir, dir_.filePath(QStringLiteral("data")));
        QCOMPARE(g.store.maxBytes, 64ll << 20);
        QCOMPARE(g.store.maxItems, 500);
        QCOMPARE(g.store.defaultRetentionMs, 48ll * 3600 * 1000);
        QCOMPARE(g.store.classQuota.at(DataClass::Camera), 32ll << 20);
        QCOMPARE(g.capture.batchBytes, 256 << 10);
        QCOMPARE(g.capture.batchMs, 200);
        QCOMPARE(g.backlogBytes, 8 << 20);
        QCOMPARE(g.capture.windowBytes, 512 << 10);
        QCOMPARE(g.capture.windowMs, 30000);
        QCOMPARE(g.captures.size(), 2);
        QCOMPARE(g.captures[1].kind, ItemKind::LogWindow);
        QCOMPARE(g.captures[1].priority, Priority::Low);
        QCOMPARE(g.captures[0].campaignId, QStringLiteral("local"));
    }

    // As docs/configuration.md writes them.
    void commentsAfterValues() {
        GatheringConfig g;
        QString e;
        QVERIFY2(parse("enabled = true            ; a comment\nmax_mb = 64 ; MiB\n", &g, &e), qPrintable(e));
        QVERIFY(g.enabled);
        QCOMPARE(g.store.maxBytes, 64ll << 20);
    }

    void badValuesNameTheKey_data() {
        QTest::addColumn<QByteArray>("section");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bool") << QByteArray("enabled = 1\n") << QStringLiteral("enabled must be true or false");
        QTest::newRow("number") << QByteArray("max_mb = lots\n") << QStringLiteral("max_mb must be an integer");
        QTest::newRow("zero") << QByteArray("max_mb = 0\n") << QStringLiteral("max_mb must be an integer from 1");
        QTest::newRow("quota") << QByteArray("max_mb = 10\nquota_mb_camera = 20\n")
                               << QStringLiteral("quota_mb_camera must be an integer from 1 to 10");
        QTest::newRow("batch") << QByteArray("batch_kib = 9000\nbacklog_mb = 1\n")
                               << QStringLiteral("batch_kib must not exceed backlog_mb");
        QTest::newRow("capture") << QByteArray("captures = cam-1/front\n")
                                 << QStringLiteral("is not device/stream/class/priority");
        QTest::newRow("class") << QByteArray("captures = cam-1/front/faces/high\n")
                               << QStringLiteral("unknown data class");
        QTest::newRow("empty dir") << QByteArray("store_dir =\n") << QStringLiteral("store_dir must not be empty");
    }
    void badValuesNameTheKey() {
        QFETCH(QByteArray, section);
        QFETCH(QString, expected);
        GatheringConfig g;
        QString e;
        QVERIFY(!parse(section, &g, &e));
        QVERIFY2(e.startsWith(QLatin1String("[gathering] ")) && e.contains(expected), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestGatheringConfig)
#include "tst_gatheringconfig.moc"
