// conduitd's [gathering] links: the broker, the tus server, the campaign
// trust file and the vehicle id; every bad value an error naming its key.
#include "gatheringlinks.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::daemon;

class TestGatheringLinks : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    bool parse(const QByteArray &section, GatheringLinks *out, QString *error, const QString &vin = {}) {
        const QString path = dir_.filePath(QStringLiteral("c.conf"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
        f.write("[gathering]\n" + section);
        f.close();
        QSettings s(path, QSettings::IniFormat);
        return parseGatheringLinks(s, QDir(dir_.path()), vin, out, error);
    }
    void touch(const QString &name, const QByteArray &bytes = "x\n") {
        QFile f(dir_.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(bytes);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        touch(QStringLiteral("campaign-keys.json"));
        touch(QStringLiteral("ca.pem"));
        touch(QStringLiteral("password"), "s3cret\n");
    }

    void nothingConfigured() {
        GatheringLinks g;
        QString e;
        QVERIFY2(parse("", &g, &e, QStringLiteral("VIN1")), qPrintable(e));
        QCOMPARE(g.vehicleId, QStringLiteral("VIN1")); // [host] vin by default
        QVERIFY(g.campaignKeysFile.isEmpty());
        QVERIFY(!g.mqtt);
        QVERIFY(!g.tus);
    }

    void everyKey() {
        GatheringLinks g;
        QString e;
        QVERIFY2(parse("vehicle_id = car-7\ncampaign_keys = campaign-keys.json\n"
                       "mqtt_broker = ssl://127.0.0.1:8883\nmqtt_ca_file = ca.pem\nmqtt_username = car-7\n"
                       "mqtt_password_file = password\n"
                       "tus_url = http://127.0.0.1:1080/files\ntus_bandwidth_kib = 512\n",
                       &g, &e, QStringLiteral("VIN1")),
                 qPrintable(e));
        QCOMPARE(g.vehicleId, QStringLiteral("car-7"));
        QCOMPARE(g.campaignKeysFile, dir_.filePath(QStringLiteral("campaign-keys.json")));
        QVERIFY(g.mqtt);
        QCOMPARE(g.mqtt->uri, QStringLiteral("ssl://127.0.0.1:8883"));
        QCOMPARE(g.mqtt->caFile, dir_.filePath(QStringLiteral("ca.pem")));
        QCOMPARE(g.mqtt->userName, QStringLiteral("car-7"));
        QCOMPARE(g.mqtt->password, QByteArray("s3cret")); // without the file's newline
        QVERIFY(g.tus);
        QCOMPARE(g.tus->endpoint, QUrl(QStringLiteral("http://127.0.0.1:1080/files")));
        QCOMPARE(g.tus->bandwidthLimit, 512 << 10);
        QVERIFY(!g.tus->tls);
    }

    void badValues_data() {
        QTest::addColumn<QByteArray>("section");
        QTest::addColumn<QString>("error");
        QTest::newRow("broker scheme") << QByteArray("vehicle_id = v\nmqtt_broker = http://127.0.0.1:1883\n")
                                       << "[gathering] mqtt_broker must be tcp://host:port or ssl://host:port, not "
                                          "\"http://127.0.0.1:1883\"";
        QTest::newRow("broker port") << QByteArray("vehicle_id = v\nmqtt_broker = tcp://127.0.0.1\n")
                                     << "[gathering] mqtt_broker must be tcp://host:port or ssl://host:port, not "
                                        "\"tcp://127.0.0.1\"";
        QTest::newRow("tls without ca") << QByteArray("vehicle_id = v\nmqtt_broker = ssl://127.0.0.1:8883\n")
                                        << "[gathering] mqtt_broker with ssl:// needs mqtt_ca_file";
        QTest::newRow("ca without broker")
            << QByteArray("mqtt_ca_file = ca.pem\n") << "[gathering] mqtt_ca_file needs mqtt_broker";
        QTest::newRow("missing file") << QByteArray("campaign_keys = nowhere.json\nvehicle_id = v\n")
                                      << "[gathering] campaign_keys names " + dir_.filePath("nowhere.json") +
                                             ", which is not a readable file";
        QTest::newRow("cert without key")
            << QByteArray("vehicle_id = v\nmqtt_broker = tcp://127.0.0.1:1883\nmqtt_cert_file = ca.pem\n")
            << "[gathering] mqtt_cert_file and mqtt_key_file go together";
        QTest::newRow("password without user")
            << QByteArray("vehicle_id = v\nmqtt_broker = tcp://127.0.0.1:1883\nmqtt_password_file = password\n")
            << "[gathering] mqtt_password_file needs mqtt_username";
        QTest::newRow("no vehicle for mqtt") << QByteArray("mqtt_broker = tcp://127.0.0.1:1883\n")
                                             << "[gathering] vehicle_id (or [host] vin) is needed with mqtt_broker or "
                                                "campaign_keys";
        QTest::newRow("vehicle in a topic") << QByteArray("vehicle_id = a/b\ncampaign_keys = campaign-keys.json\n")
                                            << "[gathering] vehicle_id must be 1 to 64 of A-Z a-z 0-9 . _ -, not "
                                               "\"a/b\"";
        QTest::newRow("tus scheme") << QByteArray("tus_url = ftp://127.0.0.1/files\n")
                                    << "[gathering] tus_url must be an http:// or https:// URL, not "
                                       "\"ftp://127.0.0.1/files\"";
        QTest::newRow("bandwidth") << QByteArray("tus_url = http://127.0.0.1:1/f\ntus_bandwidth_kib = fast\n")
                                   << "[gathering] tus_bandwidth_kib must be an integer from 0 to 1048576, not "
                                      "\"fast\"";
        QTest::newRow("bandwidth without url")
            << QByteArray("tus_bandwidth_kib = 5\n") << "[gathering] tus_bandwidth_kib needs tus_url";
    }
    void badValues() {
        QFETCH(QByteArray, section);
        QFETCH(QString, error);
        GatheringLinks g;
        QString e;
        QVERIFY(!parse(section, &g, &e));
        QCOMPARE(e, error);
    }

    void keysAreListed() {
        const QStringList keys = gatheringLinksKeys();
        QVERIFY(keys.contains(QStringLiteral("gathering/mqtt_broker")));
        QVERIFY(keys.contains(QStringLiteral("gathering/tus_url")));
        QVERIFY(keys.contains(QStringLiteral("gathering/campaign_keys")));
        QVERIFY(keys.contains(QStringLiteral("gathering/vehicle_id")));
    }
};

QTEST_GUILESS_MAIN(TestGatheringLinks)
#include "tst_gatheringlinks.moc"
