// The gathering service in a real conduitd on a private session bus (ctest
// runs this under dbus-run-session), with the streaming test agent
// (tests/fixtures/agents/capture.cpp) and conduitctl as the driver's hand:
// frames of an allowed class are stored, those of a refused class are
// counted and never written; withdrawing consent deletes the class's bytes
// from the store's files; "delete my data" deletes the personal classes;
// consent and items survive a restart; io.conduit.Gathering1 matches its XML;
// bad values are clear errors.
#include <QDBusConnection>
#include <QDBusInterface>
#include <QDBusMessage>
#include <QDBusReply>
#include <QDBusServiceWatcher>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "conduitdbus.h"

namespace {
const QString kService = QStringLiteral("io.conduit.Host");
const QString kPath = QStringLiteral("/io/conduit/Host");
const QString kIface = QStringLiteral("io.conduit.Gathering1");
const QString kBin = QStringLiteral(CONDUIT_BIN_DIR);
// What the test agent writes into each frame of the two streams.
const QByteArray kCameraMarker = "front-frame-";
const QByteArray kTelemetryMarker = "speed-frame-";
} // namespace

class TestGatheringService : public QObject {
    Q_OBJECT
    QTemporaryDir work_;
    QProcess conduitd_;
    std::unique_ptr<QDBusInterface> g_;

    QString storeDir() const { return work_.filePath(QStringLiteral("state/gathering")); }

    bool writeConfig(const QByteArray &gathering) {
        QFile conf(work_.filePath(QStringLiteral("conduit.conf")));
        if (!conf.open(QIODevice::WriteOnly)) return false;
        conf.write("[host]\nstate_dir = state\n[agents]\ndirs = agents\nrunner = " CONDUIT_RUNNER "\n[gathering]\n" +
                   gathering);
        return true;
    }
    static QByteArray capturing() {
        return "enabled = true\nbatch_ms = 50\ncaptures = cap-1/front/camera/high cap-1/speed/telemetry/normal\n";
    }
    bool startHost() {
        if (!dbustest::startConduitd(conduitd_, kBin + QStringLiteral("/conduitd"),
                                     work_.filePath(QStringLiteral("conduit.conf"))))
            return false;
        g_ = std::make_unique<QDBusInterface>(kService, kPath, kIface, QDBusConnection::sessionBus());
        return g_->isValid();
    }
    bool stopHost() {
        g_.reset();
        conduitd_.terminate();
        return conduitd_.waitForFinished(15000) && conduitd_.exitCode() == 0;
    }
    // conduitctl gathering ARGS --session; its stdout, and QFAIL-able exit code.
    QString ctl(const QStringList &args, int *exitCode = nullptr) {
        QProcess p;
        p.start(kBin + QStringLiteral("/conduitctl"),
                QStringList{QStringLiteral("gathering")} + args + QStringList{QStringLiteral("--session")});
        if (!p.waitForFinished(30000)) p.kill();
        if (exitCode) *exitCode = p.exitCode();
        if (p.exitCode() != 0) qWarning() << args << p.readAllStandardError();
        return QString::fromUtf8(p.readAllStandardOutput());
    }
    QJsonObject usage() {
        return QJsonDocument::fromJson(g_->call(QStringLiteral("GetUsage")).arguments().value(0).toString().toUtf8())
            .object();
    }
    static QJsonObject classOf(const QJsonObject &usage, const QString &name) {
        for (const QJsonValue &v : usage.value(QLatin1String("classes")).toArray())
            if (v.toObject().value(QLatin1String("class")).toString() == name) return v.toObject();
        return {};
    }
    qint64 itemsOf(const QString &name) {
        return qint64(classOf(usage(), name).value(QLatin1String("items")).toDouble());
    }
    // Every byte of every file of the store (database, WAL, blobs).
    QByteArray storeBytes() const {
        QByteArray all;
        QDirIterator it(storeDir(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.open(QIODevice::ReadOnly)) all += f.readAll();
        }
        return all;
    }

private slots:
    void initTestCase() {
        QVERIFY2(QDBusConnection::sessionBus().isConnected(), "run under dbus-run-session");
        QVERIFY(QDir(work_.path()).mkpath(QStringLiteral("agents")));
        QFile manifest(work_.filePath(QStringLiteral("agents/test-capture.json")));
        QVERIFY(manifest.open(QIODevice::WriteOnly));
        manifest.write(R"({"id": "io.conduit.test.capture", "version": "1.0.0", "abi": "1.0",
                           "device_types": ["capture-test"], "library": ")" CONDUIT_CAPTURE_AGENT R"("})");
        manifest.close();
        QVERIFY(writeConfig(capturing()));
        QVERIFY(startHost());
    }
    void cleanupTestCase() {
        if (conduitd_.state() != QProcess::NotRunning) QVERIFY(stopHost());
    }

    void introspectionMatchesRepository() {
        const QString expected = dbustest::inXmlFile(QStringLiteral(CONDUIT_GATHERING_XML), kIface);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(dbustest::introspected(kService, kPath, kIface), expected);
    }

    // The status an agent reports with its inventory (the camera's health)
    // is the device's "status" in GetInventory and in conduitctl agents.
    void deviceStatusOnDBusAndInConduitctl() {
        QDBusInterface host(kService, kPath, QStringLiteral("io.conduit.Host1"), QDBusConnection::sessionBus());
        const QString reply = host.call(QStringLiteral("GetInventory")).arguments().value(0).toString();
        QJsonObject device;
        for (const QJsonValue &v :
             QJsonDocument::fromJson(reply.toUtf8()).object().value(QLatin1String("devices")).toArray())
            if (v.toObject().value(QLatin1String("id")).toString() == QLatin1String("cap-1")) device = v.toObject();
        QVERIFY2(device.value(QLatin1String("status")).isObject(), qPrintable(reply));
        const QJsonObject status = device.value(QLatin1String("status")).toObject();
        QCOMPARE(status.value(QLatin1String("state")).toString(), QStringLiteral("ok"));
        QVERIFY(status.value(QLatin1String("streams")).isDouble());

        auto agents = [&](const QStringList &more) {
            QProcess p;
            p.start(kBin + QStringLiteral("/conduitctl"),
                    QStringList{QStringLiteral("agents"), QStringLiteral("--session")} + more);
            if (!p.waitForFinished(30000)) p.kill();
            return QString::fromUtf8(p.readAllStandardOutput());
        };
        const QString human = agents({});
        QVERIFY2(
            QRegularExpression(QStringLiteral("cap-1 .*\\n  status: state=ok streams=\\d+\\n")).match(human).hasMatch(),
            qPrintable(human));
        const QString jsonText = agents({QStringLiteral("--json")});
        bool found = false;
        for (const QJsonValue &v :
             QJsonDocument::fromJson(jsonText.toUtf8()).object().value(QLatin1String("devices")).toArray())
            found = found ||
                    (v.toObject().value(QLatin1String("status")).toObject().value(QLatin1String("state")) ==
                         QLatin1String("ok") &&
                     v.toObject().value(QLatin1String("status")).toObject().value(QLatin1String("streams")).isDouble());
        QVERIFY2(found, qPrintable(jsonText));
    }

    void badArgumentsAreClearErrors() {
        QDBusMessage r = g_->call(QStringLiteral("SetConsent"), QStringLiteral("faces"), true);
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Gathering1.Error.InvalidArgument"));
        QVERIFY2(r.errorMessage().contains(QLatin1String("camera")), qPrintable(r.errorMessage()));
        r = g_->call(QStringLiteral("DeleteMyData"), QStringLiteral("everything"));
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Gathering1.Error.InvalidArgument"));
        int rc = 0;
        ctl({QStringLiteral("consent"), QStringLiteral("camera"), QStringLiteral("maybe")}, &rc);
        QCOMPARE(rc, 2);
        ctl({QStringLiteral("consent"), QStringLiteral("faces"), QStringLiteral("on")}, &rc);
        QCOMPARE(rc, 1);
    }

    // Defaults: camera (personal) refused, telemetry allowed.
    void refusedClassIsCountedNeverStored() {
        const QJsonArray consent =
            QJsonDocument::fromJson(ctl({QStringLiteral("consent"), QStringLiteral("--json")}).toUtf8()).array();
        QCOMPARE(consent.size(), 5);
        for (const QJsonValue &v : consent) {
            const QJsonObject c = v.toObject();
            const bool personal = c.value(QLatin1String("class")) == QLatin1String("camera") ||
                                  c.value(QLatin1String("class")) == QLatin1String("location");
            QCOMPARE(c.value(QLatin1String("personal")).toBool(), personal);
            QCOMPARE(c.value(QLatin1String("allowed")).toBool(), !personal);
        }
        QTRY_VERIFY_WITH_TIMEOUT(itemsOf(QStringLiteral("telemetry")) >= 3, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(classOf(usage(), QStringLiteral("camera"))
                                         .value(QLatin1String("frame_drops"))
                                         .toObject()
                                         .value(QLatin1String("consent"))
                                         .toObject()
                                         .value(QLatin1String("frames"))
                                         .toDouble() >= 10,
                                 15000);
        const QJsonObject status =
            QJsonDocument::fromJson(ctl({QStringLiteral("status"), QStringLiteral("--json")}).toUtf8()).object();
        QCOMPARE(classOf(status, QStringLiteral("camera")).value(QLatin1String("items")).toDouble(), 0.0);
        QVERIFY(storeBytes().contains(kTelemetryMarker));
        QVERIFY(!storeBytes().contains(kCameraMarker));
        const QString text = ctl({QStringLiteral("status")});
        QVERIFY2(text.contains(QLatin1String("camera (refused)")) && text.contains(QLatin1String("consent ")),
                 qPrintable(text));
        const QJsonArray campaigns =
            QJsonDocument::fromJson(ctl({QStringLiteral("campaigns"), QStringLiteral("--json")}).toUtf8()).array();
        QCOMPARE(campaigns.size(), 1);
        QCOMPARE(campaigns[0].toObject().value(QLatin1String("id")).toString(), QStringLiteral("local"));
    }

    void allowedThenWithdrawnIsDeleted() {
        QSignalSpy changed(g_.get(), SIGNAL(ConsentChanged(QString, bool)));
        QVERIFY(!ctl({QStringLiteral("consent"), QStringLiteral("camera"), QStringLiteral("on")}).isEmpty());
        QVERIFY(changed.wait(5000) || !changed.isEmpty());
        QCOMPARE(changed.first().value(0).toString(), QStringLiteral("camera"));
        QVERIFY(g_->property("AllowedClasses").toStringList().contains(QStringLiteral("camera")));
        QTRY_VERIFY_WITH_TIMEOUT(itemsOf(QStringLiteral("camera")) >= 2, 15000);
        QVERIFY(storeBytes().contains(kCameraMarker));

        const QJsonObject removed = QJsonDocument::fromJson(ctl({QStringLiteral("consent"), QStringLiteral("camera"),
                                                                 QStringLiteral("off"), QStringLiteral("--json")})
                                                                .toUtf8())
                                        .object();
        QVERIFY(removed.value(QLatin1String("items")).toDouble() >= 2);
        // On return: nothing of the class in the store, nor in its files.
        QCOMPARE(itemsOf(QStringLiteral("camera")), 0);
        QVERIFY(!storeBytes().contains(kCameraMarker));
        QVERIFY(storeBytes().contains(kTelemetryMarker));
        QVERIFY(!g_->property("AllowedClasses").toStringList().contains(QStringLiteral("camera")));
    }

    // The sequence numbers of the camera frames in the store's files.
    QList<qint64> cameraFramesOnDisk() const {
        QList<qint64> out;
        static const QRegularExpression re(QStringLiteral("front-frame-(\\d+);"));
        for (auto it = re.globalMatch(QString::fromLatin1(storeBytes())); it.hasNext();)
            out << it.next().captured(1).toLongLong();
        return out;
    }

    // The capture goes on while it runs (consent stays), so the proof is by
    // sequence number: every camera frame on disk before the request is gone
    // from every file after it; only frames taken later may be there.
    void deleteMyDataRemovesPersonalBytes() {
        QVERIFY(!ctl({QStringLiteral("consent"), QStringLiteral("camera"), QStringLiteral("on")}).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(itemsOf(QStringLiteral("camera")) >= 2, 15000);
        const QList<qint64> before = cameraFramesOnDisk();
        QVERIFY(before.size() >= 2);
        const qint64 newestBefore = *std::max_element(before.begin(), before.end());
        const qint64 telemetry = itemsOf(QStringLiteral("telemetry"));
        QVERIFY(telemetry > 0);
        const QString out = ctl({QStringLiteral("delete-my-data")});
        QVERIFY2(out.contains(QLatin1String("location, camera")), qPrintable(out));
        for (qint64 n : cameraFramesOnDisk()) QVERIFY2(n > newestBefore, qPrintable(QString::number(n)));
        QVERIFY(itemsOf(QStringLiteral("telemetry")) >= telemetry); // not personal: kept
        QVERIFY(storeBytes().contains(kTelemetryMarker));
        QVERIFY(g_->property("AllowedClasses").toStringList().contains(QStringLiteral("camera"))); // consent stays
        QVERIFY(!ctl({QStringLiteral("consent"), QStringLiteral("camera"), QStringLiteral("off")}).isEmpty());
        QVERIFY(!storeBytes().contains(kCameraMarker));
    }

    void consentAndItemsSurviveRestart() {
        QVERIFY(!ctl({QStringLiteral("consent"), QStringLiteral("camera"), QStringLiteral("on")}).isEmpty());
        QVERIFY(!ctl({QStringLiteral("consent"), QStringLiteral("logs"), QStringLiteral("off")}).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(itemsOf(QStringLiteral("camera")) >= 2, 15000);
        QVERIFY(stopHost());
        // No captures now: what is there after the restart is what was kept.
        QVERIFY(writeConfig("enabled = true\n"));
        const QByteArray before = storeBytes();
        QVERIFY(startHost());
        const QJsonObject u = usage();
        QVERIFY(classOf(u, QStringLiteral("camera")).value(QLatin1String("items")).toDouble() >= 2);
        QVERIFY(classOf(u, QStringLiteral("telemetry")).value(QLatin1String("items")).toDouble() >= 3);
        QVERIFY(before.contains(kCameraMarker));
        const QStringList allowed = g_->property("AllowedClasses").toStringList();
        QCOMPARE(allowed,
                 (QStringList{QStringLiteral("telemetry"), QStringLiteral("camera"), QStringLiteral("diagnostics")}));
        QCOMPARE(usage(), u); // nothing moves without captures
        QVERIFY(QJsonDocument::fromJson(ctl({QStringLiteral("campaigns"), QStringLiteral("--json")}).toUtf8())
                    .array()
                    .isEmpty());
    }

    void deleteAllLeavesNothing() {
        const QJsonObject r =
            QJsonDocument::fromJson(
                ctl({QStringLiteral("delete-my-data"), QStringLiteral("--all"), QStringLiteral("--json")}).toUtf8())
                .object();
        QCOMPARE(r.value(QLatin1String("classes")).toArray().size(), 5);
        QCOMPARE(usage().value(QLatin1String("items")).toDouble(), 0.0);
        const QByteArray bytes = storeBytes();
        QVERIFY(!bytes.contains(kCameraMarker));
        QVERIFY(!bytes.contains(kTelemetryMarker));
    }

    void badConfigurationStopsConduitd() {
        QVERIFY(stopHost());
        QVERIFY(writeConfig("enabled = yes\n"));
        QProcess p;
        p.start(kBin + QStringLiteral("/conduitd"),
                {QStringLiteral("--config"), work_.filePath(QStringLiteral("conduit.conf"))});
        QVERIFY(p.waitForFinished(15000));
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QLatin1String("[gathering] enabled must be true or false, not \"yes\"")),
                 qPrintable(err));
        QVERIFY(writeConfig("enabled = true\ncaptures = cap-1/front/faces/high\n"));
        p.start(kBin + QStringLiteral("/conduitd"),
                {QStringLiteral("--config"), work_.filePath(QStringLiteral("conduit.conf"))});
        QVERIFY(p.waitForFinished(15000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QLatin1String("unknown data class")));
    }
};

QTEST_GUILESS_MAIN(TestGatheringService)
#include "tst_gatheringservice.moc"
