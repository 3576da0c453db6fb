// Agent manifests: the host lists agents without loading their code.
#include "agents/agentmanifest.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
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
    void parsesDeclaredNeeds() {
        QString error;
        auto m = AgentManifest::parse(R"({"id":"com.example.ecu","version":"2.1","abi":"1.4",
            "device_types":["ecu"],"library":"ecu.so","devices":["/dev/video0"],
            "needs":{"paths":[{"path":"/dev/mtd3","access":"rw"},{"path":"/usr/share/ecu","access":"ro"},
                              {"path":"/dev/video0","access":"rw"},{"path":"/usr/bin/fw_setenv","access":"exec"}],
                     "network":{"access":"host","interfaces":["eth0"],"tcp_ports":[13400]},
                     "capabilities":["CAP_NET_RAW"],
                     "limits":{"memory_mb":64,"open_files":128,"processes":8,"cpu_percent":50}}})",
                                      QStringLiteral("/opt/agents/ecu.json"), &error);
        QVERIFY2(m, qPrintable(error));
        using conduit::agents::PathAccess;
        using conduit::agents::PathGrant;
        const QList<PathGrant> paths{{QStringLiteral("/dev/video0"), PathAccess::ReadWrite},
                                     {QStringLiteral("/dev/mtd3"), PathAccess::ReadWrite},
                                     {QStringLiteral("/usr/share/ecu"), PathAccess::ReadOnly},
                                     {QStringLiteral("/usr/bin/fw_setenv"), PathAccess::Execute}};
        QCOMPARE(m->needs.paths, paths); // "devices" are read-write; a repeated grant is one
        QCOMPARE(m->needs.network, conduit::agents::NetworkAccess::Host);
        QCOMPARE(m->needs.interfaces, QStringList{QStringLiteral("eth0")});
        QCOMPARE(m->needs.tcpPorts, QList<int>{13400});
        QCOMPARE(m->needs.capabilities, QStringList{QStringLiteral("CAP_NET_RAW")});
        QCOMPARE(m->needs.memoryBytes, 64ull << 20);
        QCOMPARE(m->needs.openFiles, 128);
        QCOMPARE(m->needs.processes, 8);
        QCOMPARE(m->needs.cpuPercent, 50);
        const QJsonObject j = m->needs.toJson();
        QCOMPARE(j.value("network").toObject().value("access").toString(), QStringLiteral("host"));
        QCOMPARE(j.value("paths").toArray().size(), 4);
    }
    void noNeedsMeansNothingGranted() {
        QString error;
        auto m = AgentManifest::parse(R"({"id":"a.b","version":"1","abi":"1.0","device_types":["x"],"library":"a.so"})",
                                      QStringLiteral("m.json"), &error);
        QVERIFY2(m, qPrintable(error));
        QVERIFY(m->needs.paths.isEmpty());
        QCOMPARE(m->needs.network, conduit::agents::NetworkAccess::None);
        QVERIFY(m->needs.capabilities.isEmpty());
    }
    void rejectsBadNeeds_data() {
        QTest::addColumn<QByteArray>("needs");
        QTest::addColumn<QString>("why");
        QTest::newRow("not object") << QByteArray(R"("needs":[])") << "\"needs\" must be an object";
        QTest::newRow("unknown member") << QByteArray(R"("needs":{"gpu":true})") << "unknown member \"gpu\"";
        QTest::newRow("relative path") << QByteArray(R"("needs":{"paths":[{"path":"dev/x","access":"ro"}]})")
                                       << "clean absolute path";
        QTest::newRow("dotdot path") << QByteArray(R"("needs":{"paths":[{"path":"/dev/../etc","access":"ro"}]})")
                                     << "clean absolute path";
        QTest::newRow("bad access") << QByteArray(R"("needs":{"paths":[{"path":"/dev/x","access":"w"}]})")
                                    << "\"ro\", \"rw\" or \"exec\"";
        QTest::newRow("conflicting grants")
            << QByteArray(R"("devices":["/dev/x"],"needs":{"paths":[{"path":"/dev/x","access":"ro"}]})")
            << "granted twice, as rw and as ro";
        QTest::newRow("path not object") << QByteArray(R"("needs":{"paths":["/dev/x"]})") << "entries are";
        QTest::newRow("devices not list") << QByteArray(R"("devices":"/dev/x")") << "\"devices\" must be a list";
        QTest::newRow("bad network") << QByteArray(R"("needs":{"network":{"access":"internet"}})")
                                     << "\"none\", \"loopback\" or \"host\"";
        QTest::newRow("none with ports") << QByteArray(R"("needs":{"network":{"access":"none","tcp_ports":[1]}})")
                                         << "access \"none\" with";
        QTest::newRow("bad port") << QByteArray(R"("needs":{"network":{"access":"host","tcp_ports":[70000]}})")
                                  << "1-65535";
        QTest::newRow("bad interface") << QByteArray(R"("needs":{"network":{"access":"host","interfaces":["a b"]}})")
                                       << "interface names";
        QTest::newRow("admin cap") << QByteArray(R"("needs":{"capabilities":["CAP_SYS_ADMIN"]})")
                                   << "CAP_SYS_ADMIN cannot be granted";
        QTest::newRow("negative limit") << QByteArray(R"("needs":{"limits":{"processes":-1}})")
                                        << "needs.limits.processes";
        QTest::newRow("fraction limit") << QByteArray(R"("needs":{"limits":{"open_files":1.5}})")
                                        << "needs.limits.open_files";
        QTest::newRow("unknown limit") << QByteArray(R"("needs":{"limits":{"gpu":1}})") << "unknown member";
    }
    void rejectsBadNeeds() {
        QFETCH(QByteArray, needs);
        QFETCH(QString, why);
        QString error;
        const QByteArray json =
            R"({"id":"a.b","version":"1","abi":"1.0","device_types":["x"],"library":"a.so",)" + needs + "}";
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
