// `conduitd --check-agent`: the vendor's validation tool, run as a real
// process, exactly as a vendor or CI would.
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonArray>
#include <QProcess>
#include <QTest>

class TestCheckAgent : public QObject {
    Q_OBJECT

    struct Run {
        int exitCode;
        QByteArray out, err;
    };
    Run check(const QString &path, const QStringList &extra = {}) {
        QProcess p;
        p.start(QStringLiteral(CONDUITD_PATH), QStringList{QStringLiteral("--check-agent"), path} + extra);
        if (!p.waitForFinished(30000)) {
            p.kill();
            return {-1, {}, "timeout"};
        }
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }

private slots:
    void passingAgentPrintsJsonReport() {
        Run r = check(QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.json"));
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("result").toString(), QStringLiteral("ok"));
        QCOMPARE(o.value("agent_id").toString(), QStringLiteral("io.conduit.example.ecu"));
        QCOMPARE(o.value("negotiated_abi").toString(), QStringLiteral("1.0"));
        QCOMPARE(o.value("devices").toArray().size(), 1);
        QVERIFY(o.value("start_ms").toInt() >= 0);
    }
    void failures_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("env");
        QTest::addColumn<QString>("reason");
        const QString dir = QStringLiteral(CONDUIT_TEST_AGENT_DIR "/");
        QTest::newRow("not a shared object") << dir + "not-a-plugin.so" << QByteArray() << "not a loadable shared object";
        QTest::newRow("missing entry") << dir + "test-abi-noentry.so" << QByteArray() << "missing entry symbol";
        QTest::newRow("major mismatch") << dir + "test-abi-major2.so" << QByteArray() << "ABI major mismatch";
        QTest::newRow("struct too small") << dir + "test-abi-small.so" << QByteArray() << "entry table too small";
        QTest::newRow("crash during init") << dir + "test-fault.so" << QByteArray("crash@init") << "crashed during init";
        QTest::newRow("hang during init") << dir + "test-fault.so" << QByteArray("hang@init") << "hung during init";
        QTest::newRow("update_state outside the ABI") << dir + "test-fault.so" << QByteArray("badstate@inventory")
                                                     << "device fault-1 refused: update_state \"Activated\" is not one of idle, staged, activated, rolled-back";
        QTest::newRow("no such file") << dir + "nothing.so" << QByteArray() << "no such file";
    }
    void failures() {
        QFETCH(QString, path);
        QFETCH(QByteArray, env);
        QFETCH(QString, reason);
        if (!env.isEmpty()) qputenv("CONDUIT_TEST_FAULT", env);
        Run r = check(path, {QStringLiteral("--timeout-ms"), QStringLiteral("1500")});
        qunsetenv("CONDUIT_TEST_FAULT");
        QCOMPARE(r.exitCode, 1);
        const QList<QByteArray> lines = r.err.trimmed().split('\n');
        const QString last = QString::fromUtf8(lines.last());
        QVERIFY2(last.startsWith(QLatin1String("check-agent: FAIL: ")), r.err.constData());
        QVERIFY2(last.contains(reason), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCheckAgent)
#include "tst_checkagent.moc"
