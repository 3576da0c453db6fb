// Plugin logs are the plugin's: budgeted per agent and summed up when over
// it, control characters escaped, marked with the agent's id, and the
// plugin's stdout/stderr captured into its log, never the host's streams
// (the fault agent's "flood" behaviour).
#include "gatedsource.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>

using namespace conduit::agents;

class TestAgentOutput : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<CallResult>(); }
    void cleanup() { qunsetenv("CONDUIT_TEST_FAULT"); }

    void aFloodIsBudgetedEscapedAndSummedUp() {
        qputenv("CONDUIT_TEST_FAULT", "flood@inventory");
        RunnerFixture f(testAgent(QStringLiteral("test-fault.so")));
        QStringList lines;
        connect(f.runner.get(), &AgentProxy::log, this, [&](int, const QString &m) { lines << m; });
        QCOMPARE(f.start(), QString());
        QElapsedTimer t;
        t.start();
        const CallResult r = f.call(conduit::ipc::Op::Inventory);
        QVERIFY2(r.ok(), qPrintable(r.message));
        // 20000 log lines, 20000 on stdout, 20000 on stderr: each one is
        // either in the log or counted in a "dropped" line.
        static const QRegularExpression droppedRe(
            QStringLiteral("^\\[host\\] (\\d+) lines of this agent's log dropped"));
        quint64 kept = 0, dropped = 0;
        auto count = [&] {
            kept = dropped = 0;
            for (const QString &l : lines) {
                const auto m = droppedRe.match(l);
                if (m.hasMatch())
                    dropped += m.captured(1).toULongLong();
                else if (l.contains(QLatin1String("FORGED")))
                    ++kept;
            }
            return kept + dropped >= 60000;
        };
        QVERIFY2(QTest::qWaitFor(count, 10000),
                 qPrintable(QStringLiteral("kept %1, dropped %2").arg(kept).arg(dropped)));
        const double seconds = double(t.elapsed()) / 1000.0;
        QVERIFY2(double(lines.size()) <= 200 + 50 * seconds + 20,
                 qPrintable(QStringLiteral("%1 lines in %2 s").arg(lines.size()).arg(seconds)));
        QVERIFY(dropped > 0);
        bool sawOutput = false;
        for (const QString &l : lines) {
            QVERIFY2(!l.contains(QLatin1Char('\n')) && !l.contains(QLatin1Char('\x1b')), qPrintable(l));
            sawOutput = sawOutput || l.startsWith(QLatin1String("[output] FORGED"));
        }
        QVERIFY(sawOutput); // stdout and stderr went into the log
    }

    void conduitdsOwnStreamsCarryNoPluginText() {
        QTemporaryDir manifests, state;
        writeManifest(manifests, QStringLiteral("io.conduit.test.fault"), testAgent(QStringLiteral("test-fault.so")),
                      QStringLiteral("fault-test"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONDUIT_TEST_FAULT"), QStringLiteral("flood@inventory"));
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("conduit.*=true"));
        env.remove(QStringLiteral("CONDUIT_CONFIG"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(CONDUITD_PATH), {QStringLiteral("--inventory"), QStringLiteral("--agent-dir"),
                                                manifests.path(), QStringLiteral("--state-dir"), state.path()});
        QVERIFY(p.waitForFinished(30000));
        const QByteArray out = p.readAllStandardOutput(), err = p.readAllStandardError();
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(!out.contains("FORGED"), out.left(2000).constData());
        QVERIFY(!err.contains('\x1b'));
        int forged = 0;
        for (const QByteArray &line : err.split('\n')) {
            if (!line.contains("FORGED")) continue;
            ++forged;
            QVERIFY2(line.contains("agent io.conduit.test.fault: "), line.constData());
        }
        QVERIFY(forged > 0);
        QVERIFY2(forged < 2000, qPrintable(QString::number(forged)));
    }
};

QTEST_GUILESS_MAIN(TestAgentOutput)
#include "tst_agentoutput.moc"
