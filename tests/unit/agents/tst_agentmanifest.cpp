// Agent manifests: the host lists agents without loading their code.
#include "agents/agentmanifest.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using conduit::agents::AgentManifest;

class TestAgentManifest : public QObject {
    Q_OBJECT
private slots:
    void parsesValidManifest() {
        QString error;
        auto m = AgentManifest::parse(R"({"id":"com.example.ecu","version":"2.1","abi":"1.4",
            "device_types":["ecu","gw"],"library":"ecu.so"})",
                                      QStringLiteral("/opt/agents/ecu.json"), &error);
        QVERIFY2(m, qPrintable(error));
        QCOMPARE(m->id, QStringLiteral("com.example.ecu"));
        QCOMPARE(m->abiMajor, 1);
        QCOMPARE(m->abiMinor, 4);
        QCOMPARE(m->deviceTypes, QStringList({QStringLiteral("ecu"), QStringLiteral("gw")}));
        QCOMPARE(m->library, QStringLiteral("/opt/agents/ecu.so"));
    }
    void rejectsBadManifests_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("why");
        QTest::newRow("not json") << QByteArray("{") << "invalid JSON";
        QTest::newRow("array") << QByteArray("[]") << "not a JSON object";
        QTest::newRow("bad id")
            << QByteArray(R"({"id":"Ecu","version":"1","abi":"1.0","device_types":["x"],"library":"a.so"})")
            << "reverse-DNS";
        QTest::newRow("no version") << QByteArray(R"({"id":"a.b","abi":"1.0","device_types":["x"],"library":"a.so"})")
                                    << "\"version\"";
        QTest::newRow("bad abi")
            << QByteArray(R"({"id":"a.b","version":"1","abi":"one","device_types":["x"],"library":"a.so"})")
            << "\"abi\"";
        QTest::newRow("no types") << QByteArray(
                                         R"({"id":"a.b","version":"1","abi":"1.0","device_types":[],"library":"a.so"})")
                                  << "device_types";
        QTest::newRow("type not string")
            << QByteArray(R"({"id":"a.b","version":"1","abi":"1.0","device_types":[3],"library":"a.so"})")
            << "device_types";
        QTest::newRow("no library") << QByteArray(R"({"id":"a.b","version":"1","abi":"1.0","device_types":["x"]})")
                                    << "\"library\"";
        QTest::newRow("too large") << QByteArray(70000, ' ') << "64 KiB";
    }
    void rejectsBadManifests() {
        QFETCH(QByteArray, json);
        QFETCH(QString, why);
        QString error;
        QVERIFY(!AgentManifest::parse(json, QStringLiteral("m.json"), &error));
        QVERIFY2(error.contains(why), qPrintable(error));
        QVERIFY(error.startsWith(QLatin1String("m.json: ")));
    }
    void discoveryReportsProblemsAndKeepsFirstId() {
        QTemporaryDir a, b;
        auto write = [](const QString &path, const QByteArray &content) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        };
        const QByteArray ok = R"({"id":"a.one","version":"1","abi":"1.0","device_types":["x"],"library":"one.so"})";
        write(a.filePath(QStringLiteral("one.json")), ok);
        write(a.filePath(QStringLiteral("broken.json")), "nope");
        write(b.filePath(QStringLiteral("dup.json")), ok);
        write(b.filePath(QStringLiteral("readme.txt")), "ignored");
        QStringList errors;
        auto found = AgentManifest::discover({a.path(), b.path(), QStringLiteral("/nonexistent")}, &errors);
        QCOMPARE(found.size(), 1);
        QCOMPARE(found[0].library, a.filePath(QStringLiteral("one.so")));
        QCOMPARE(errors.size(), 2);
        QVERIFY(errors.join('\n').contains(QLatin1String("already provided")));
    }
};

QTEST_APPLESS_MAIN(TestAgentManifest)
#include "tst_agentmanifest.moc"
