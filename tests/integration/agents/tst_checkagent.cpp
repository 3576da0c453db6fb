// `conduitd --check-agent`: the vendor's validation tool, run as a real
// process, exactly as a vendor or CI would.
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
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
    // The example agent, and one built against the frozen ABI 1.0 header
    // (tests/fixtures/agents/abi-1.0), pass without warnings.
    void passingAgentPrintsJsonReport_data() {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<QString>("agentId");
        QTest::newRow("example") << QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.json")
                                 << "io.conduit.example.ecu";
        QTest::newRow("built against ABI 1.0")
            << QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-abi10.json") << "io.conduit.test.abi10";
    }
    void passingAgentPrintsJsonReport() {
        QFETCH(QString, manifest);
        QFETCH(QString, agentId);
        Run r = check(manifest);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("result").toString(), QStringLiteral("ok"));
        QCOMPARE(o.value("agent_id").toString(), agentId);
        QCOMPARE(o.value("negotiated_abi").toString(), QStringLiteral("1.0"));
        QCOMPARE(o.value("devices").toArray().size(), 1);
        QVERIFY(o.value("start_ms").toInt() >= 0);
        QVERIFY2(!r.err.contains("WARNING"), r.err.constData());
    }
    void failures_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("env");
        QTest::addColumn<QString>("reason");
        const QString dir = QStringLiteral(CONDUIT_TEST_AGENT_DIR "/");
        QTest::newRow("not a shared object")
            << dir + "not-a-plugin.so" << QByteArray() << "not a loadable shared object";
        QTest::newRow("missing entry") << dir + "test-abi-noentry.so" << QByteArray() << "missing entry symbol";
        QTest::newRow("major mismatch") << dir + "test-abi-major2.so" << QByteArray() << "ABI major mismatch";
        QTest::newRow("struct too small") << dir + "test-abi-small.so" << QByteArray() << "entry table too small";
        QTest::newRow("crash during init")
            << dir + "test-fault.so" << QByteArray("crash@init") << "crashed during init";
        QTest::newRow("hang during init") << dir + "test-fault.so" << QByteArray("hang@init") << "hung during init";
        QTest::newRow("update_state outside the ABI")
            << dir + "test-fault.so" << QByteArray("badstate@inventory")
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
    // stdout is the report alone: a plugin printing there cannot forge one,
    // and what it logs shows on stderr.
    void pluginOutputStaysOutOfTheReport() {
        qputenv("CONDUIT_TEST_FAULT", "print@inventory");
        Run r = check(QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-fault.json"));
        qunsetenv("CONDUIT_TEST_FAULT");
        QCOMPARE(r.exitCode, 0);
        QJsonParseError pe;
        const QJsonObject o = QJsonDocument::fromJson(r.out, &pe).object();
        QVERIFY2(pe.error == QJsonParseError::NoError, r.out.constData());
        QVERIFY(!o.contains(QStringLiteral("forged")));
        QCOMPARE(o.value("agent_id").toString(), QStringLiteral("io.conduit.test.fault"));
        QVERIFY2(r.err.contains("check-agent: agent info: hello from the test agent"), r.err.constData());
        QVERIFY2(r.err.contains("\"forged\": true"), r.err.constData()); // still visible, on stderr
    }
    // A manifest that disagrees with its library passes with warnings.
    void manifestDisagreementsAreWarned() {
        QTemporaryDir dir;
        const QString manifest = dir.filePath(QStringLiteral("fault.json"));
        QFile f(manifest);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            QStringLiteral(
                R"({"id": "io.conduit.test.fault", "version": "9.9.9", "abi": "1.0", "device_types": ["other"], "library": "%1"})")
                .arg(QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-fault.so"))
                .toUtf8());
        f.close();
        Run r = check(manifest);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("WARNING: manifest says version 9.9.9, the library 1.0.0"), r.err.constData());
        QVERIFY2(r.err.contains("WARNING: manifest declares device types [other], the library [fault-test]"),
                 r.err.constData());
        QVERIFY2(r.err.contains("WARNING: device fault-1 has type fault-test, which the agent does not declare"),
                 r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value("warnings").toArray().size(), 3);
    }
    // --state-dir is honoured: the agent's state lands there.
    void stateDirIsHonoured() {
        QTemporaryDir dir;
        Run r = check(QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.json"),
                      {QStringLiteral("--state-dir"), dir.path()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(QFileInfo(dir.filePath(QStringLiteral("agents/io.conduit.example.ecu"))).isDir(), r.err.constData());
    }

    // --lifecycle: a good agent goes through update 1 to commit and update 2
    // to rollback, every step CONDUIT_OK and each state as the ABI says.
    void lifecyclePasses_data() {
        QTest::addColumn<QString>("manifest");
        QTest::newRow("example") << QStringLiteral(CONDUIT_BUILD_AGENT_DIR "/example-ecu.json");
        QTest::newRow("built against ABI 1.0") << QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-abi10.json");
        QTest::newRow("fault agent without a fault") << QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-fault.json");
    }
    void lifecyclePasses() {
        QFETCH(QString, manifest);
        Run r = check(manifest,
                      {QStringLiteral("--lifecycle"), QStringLiteral("--payload-size"), QStringLiteral("3000001")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("result").toString(), QStringLiteral("ok"));
        const QJsonObject life = o.value("lifecycle").toObject();
        QCOMPARE(life.value("result").toString(), QStringLiteral("ok"));
        QCOMPARE(life.value("payload_bytes").toInteger(), 3000001);
        const QJsonArray steps = life.value("steps").toArray();
        QStringList names;
        for (const QJsonValue &v : steps) {
            names << v.toObject().value("step").toString();
            QCOMPARE(v.toObject().value("result").toString(), QStringLiteral("CONDUIT_OK"));
            QVERIFY(v.toObject().value("ms").toInteger() >= 0);
        }
        const QString install = QStringLiteral("transfer,prepare_install,install,post_install,activate,");
        QCOMPARE(names.join(u','), install + QStringLiteral("commit,") + install + QStringLiteral("rollback"));
        const QString before = steps[0].toObject().value("current_version").toString();
        const QString first = steps[4].toObject().value("version").toString();
        QCOMPARE(steps[4].toObject().value("current_version").toString(), first);
        QCOMPARE(steps[4].toObject().value("update_state").toString(), QStringLiteral("activated"));
        QCOMPARE(steps[5].toObject().value("update_state").toString(), QStringLiteral("idle"));
        QVERIFY(first != before);
        QCOMPARE(steps[10].toObject().value("update_state").toString(), QStringLiteral("activated"));
        QCOMPARE(steps[11].toObject().value("current_version").toString(), first);
        QVERIFY2(r.err.contains("check-agent: lifecycle: activate (update 1): CONDUIT_OK, "), r.err.constData());
    }
    // Each broken rule fails the run at its step, named, with the report
    // (up to that step) still on stdout.
    void lifecycleNamesTheBrokenRule_data() {
        QTest::addColumn<QByteArray>("fault");
        QTest::addColumn<QString>("step");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("result");
        QTest::newRow("active before activate") << QByteArray("early@transfer") << "transfer (update 1)"
                                                << "nothing-active-before-activate"
                                                << "CONDUIT_OK";
        QTest::newRow("old version after activate") << QByteArray("stale@activate") << "activate (update 1)"
                                                    << "version-after-activate"
                                                    << "CONDUIT_OK";
        QTest::newRow("not activated after activate") << QByteArray("noswitch@activate") << "activate (update 1)"
                                                      << "activated-after-activate"
                                                      << "CONDUIT_OK";
        QTest::newRow("not idle after commit") << QByteArray("stuck@commit") << "commit (update 1)"
                                               << "idle-after-commit"
                                               << "CONDUIT_OK";
        QTest::newRow("new version after rollback") << QByteArray("stuck@rollback") << "rollback (update 2)"
                                                    << "previous-after-rollback"
                                                    << "CONDUIT_OK";
        QTest::newRow("step fails") << QByteArray("throw@install") << "install (update 1)"
                                    << "step-succeeds"
                                    << "CONDUIT_E_FAILED";
        QTest::newRow("runner crashes") << QByteArray("crash@commit") << "commit (update 1)"
                                        << "step-succeeds"
                                        << "runner-failed";
    }
    void lifecycleNamesTheBrokenRule() {
        QFETCH(QByteArray, fault);
        QFETCH(QString, step);
        QFETCH(QString, rule);
        QFETCH(QString, result);
        qputenv("CONDUIT_TEST_FAULT", fault);
        Run r = check(QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-fault.json"), {QStringLiteral("--lifecycle")});
        qunsetenv("CONDUIT_TEST_FAULT");
        QCOMPARE(r.exitCode, 1);
        const QString last = QString::fromUtf8(r.err.trimmed().split('\n').last());
        QVERIFY2(last.startsWith(QStringLiteral("check-agent: FAIL: lifecycle: %1: %2: ").arg(step, rule)),
                 r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("result").toString(), QStringLiteral("fail"));
        const QJsonObject life = o.value("lifecycle").toObject();
        QCOMPARE(life.value("failed_rule").toString(), rule);
        const QJsonObject broken = life.value("steps").toArray().last().toObject();
        QCOMPARE(broken.value("broken_rule").toString(), rule);
        QCOMPARE(broken.value("result").toString(), result);
    }
    // The vendor's custom metadata reaches the agent with the update's
    // version in it, and a version it names is the first update's.
    void lifecycleCustomJsonReachesTheAgent() {
        QTemporaryDir dir;
        const QString custom = dir.filePath(QStringLiteral("custom.json"));
        QFile f(custom);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"x-vendor": {"calibration": "k7"}, "conduit": {"version": "7.1.0"}})");
        f.close();
        Run r =
            check(QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-fault.json"),
                  {QStringLiteral("--lifecycle"), QStringLiteral("--custom-json"), custom, QStringLiteral("--device"),
                   QStringLiteral("fault-1"), QStringLiteral("--state-dir"), dir.path()});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray steps =
            QJsonDocument::fromJson(r.out).object().value("lifecycle").toObject().value("steps").toArray();
        QCOMPARE(steps[4].toObject().value("current_version").toString(), QStringLiteral("7.1.0"));
        QFile marker(dir.filePath(QStringLiteral("agents/io.conduit.test.fault/staging/transfer-marker")));
        QVERIFY(marker.open(QIODevice::ReadOnly));
        const QJsonObject given = QJsonDocument::fromJson(marker.readAll()).object(); // update 2's
        QCOMPARE(given.value("x-vendor").toObject().value("calibration").toString(), QStringLiteral("k7"));
        QCOMPARE(given.value("conduit").toObject().value("version").toString(),
                 steps[11].toObject().value("version").toString());
    }
    void lifecycleRefusesBadOptions() {
        QTemporaryDir dir;
        const QString custom = dir.filePath(QStringLiteral("custom.json"));
        QFile f(custom);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("[1, 2]");
        f.close();
        const QString agent = QStringLiteral(CONDUIT_TEST_AGENT_DIR "/test-fault.json");
        Run r = check(agent, {QStringLiteral("--lifecycle"), QStringLiteral("--custom-json"), custom});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("is not a JSON object"), r.err.constData());
        r = check(agent, {QStringLiteral("--lifecycle"), QStringLiteral("--payload-size"), QStringLiteral("lots")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--payload-size must be a number of bytes"), r.err.constData());
        r = check(agent, {QStringLiteral("--lifecycle"), QStringLiteral("--device"), QStringLiteral("nope")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("check-agent: FAIL: lifecycle: no device nope in the inventory"), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCheckAgent)
#include "tst_checkagent.moc"
