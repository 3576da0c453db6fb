// The D-Bus control API against a real conduitd on a private session bus
// (ctest runs this under dbus-run-session): introspection matches the XML in
// the repository, the consent flow through D-Bus, vehicle conditions, cancel,
// structured failures in results and history (also after a restart),
// rate-limited progress, and clear errors.
#include <QDBusConnection>
#include <QDBusInterface>
#include <QDBusMessage>
#include <QDBusReply>
#include <QDBusServiceWatcher>
#include <QDBusUnixFileDescriptor>
#include <QDateTime>
#include <QDir>
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

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
const QString kService = QStringLiteral("io.conduit.Host");
const QString kPath = QStringLiteral("/io/conduit/Host");
const QString kIface = QStringLiteral("io.conduit.Host1");
const QString kBin = QStringLiteral(CONDUIT_BIN_DIR);
} // namespace

// Receives the service's D-Bus signals as Qt signals for QSignalSpy.
class Listener : public QObject {
    Q_OBJECT
public:
    QStringList states;
    QString consentCampaign; // the campaign JSON of the last ConsentRequested
signals:
    void consent(const QString &kind);
    void finished(const QString &resultJson);
    void conditions(const QStringList &unmet);
    void conditionBreak(const QStringList &unmet, const QString &action);
    void progress(qulonglong done);
public slots:
    void onConsent(const QString &kind, const QString &campaign) {
        consentCampaign = campaign;
        emit consent(kind);
    }
    void onFinished(const QString &r) { emit finished(r); }
    void onConditions(const QStringList &u) { emit conditions(u); }
    void onConditionBreak(const QStringList &u, const QString &a) { emit conditionBreak(u, a); }
    void onProgress(qulonglong d, qulonglong, int, const QString &) { emit progress(d); }
    void onState(const QString &s) { states << s; }
};

class TestControlApi : public QObject {
    Q_OBJECT
    QTemporaryDir work_;
    QProcess conduitd_;
    std::unique_ptr<QDBusInterface> host_;
    Listener listener_;
    int release_ = 1;

    bool run(const QString &tool, const QStringList &args) {
        QProcess p;
        p.setWorkingDirectory(work_.path());
        p.start(kBin + QLatin1Char('/') + tool, args);
        if (!p.waitForFinished(60000) || p.exitCode() != 0) {
            qWarning() << tool << args << p.readAllStandardError();
            return false;
        }
        return true;
    }
    // Signs a new release for the three ECUs and writes it as a bundle;
    // `perDevice` adds add-target options for one ECU.
    QString release(const QStringList &policy = {}, const QMap<QString, QStringList> &perDevice = {}) {
        ++release_;
        const QString v = QString::number(release_);
        for (const QString &spec :
             {QStringLiteral("gw-1:gateway:0"), QStringLiteral("ecu-1:brake:1"), QStringLiteral("ecu-2:brake:1")}) {
            const QStringList p = spec.split(QLatin1Char(':'));
            const QString image = work_.filePath(p[0] + QLatin1Char('-') + v + QStringLiteral(".img"));
            QFile f(image);
            if (!f.open(QIODevice::WriteOnly)) return {};
            f.write(QByteArray(3 << 20, char('a' + release_)));
            f.close();
            if (!run(QStringLiteral("conduit-repo"),
                     QStringList{QStringLiteral("add-target"), QStringLiteral("--repo"), QStringLiteral("repo"), image,
                                 QStringLiteral("--hardware-id"), p[1], QStringLiteral("--release-counter"), v,
                                 QStringLiteral("--phase"), p[2]} +
                         policy + perDevice.value(p[0])) ||
                !run(QStringLiteral("conduit-repo"),
                     {QStringLiteral("assign"), QStringLiteral("--repo"), QStringLiteral("repo"),
                      QStringLiteral("--ecu"), p[0], QStringLiteral("--target"), QFileInfo(image).fileName()}))
                return {};
        }
        const QString bundle = work_.filePath(QStringLiteral("update-%1.bundle").arg(v));
        if (!run(QStringLiteral("conduit-repo"),
                 {QStringLiteral("sign"), QStringLiteral("--repo"), QStringLiteral("repo")}) ||
            !run(QStringLiteral("conduit-repo"), {QStringLiteral("bundle"), QStringLiteral("--repo"),
                                                  QStringLiteral("repo"), QStringLiteral("--out"), bundle}))
            return {};
        return bundle;
    }
    // device id -> "version/state", whatever order the agents answered in
    static QMap<QString, QString> versions(const QString &inventoryJson) {
        QMap<QString, QString> out;
        for (const QJsonValue &v :
             QJsonDocument::fromJson(inventoryJson.toUtf8()).object().value(QLatin1String("devices")).toArray())
            out.insert(v.toObject().value(QLatin1String("id")).toString(),
                       v.toObject().value(QLatin1String("version")).toString() + QLatin1Char('/') +
                           v.toObject().value(QLatin1String("update_state")).toString());
        return out;
    }
    struct CtlRun {
        int exitCode = -1;
        QByteArray out, err;
    };
    // conduitctl on this test's session bus, to its end (bounded).
    static CtlRun conduitctl(const QStringList &args) {
        QProcess p;
        p.start(kBin + QStringLiteral("/conduitctl"), args + QStringList{QStringLiteral("--session")});
        if (!p.waitForFinished(60000)) p.kill();
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
                p.readAllStandardError()};
    }
    // Every line of `out` is a JSON object; "" when so, else the first that is not.
    static QString firstNonJsonLine(const QByteArray &out) {
        for (const QByteArray &line : out.split('\n'))
            if (!line.isEmpty() && !QJsonDocument::fromJson(line).isObject()) return QString::fromUtf8(line);
        return out.isEmpty() ? QStringLiteral("(no output)") : QString();
    }
    QVariant prop(const QString &name) { return host_->property(name.toLatin1().constData()); }
    QJsonObject finishedResult(QSignalSpy &spy) {
        if (spy.isEmpty() && !spy.wait(30000)) return {{"outcome", "(no CampaignFinished)"}};
        return QJsonDocument::fromJson(spy.takeFirst().first().toString().toUtf8()).object();
    }
    QString finishedOutcome(QSignalSpy &spy) { return finishedResult(spy).value(QLatin1String("outcome")).toString(); }
    // The structured failure of a result (docs/dbus-api.md) as "device/step/kind".
    static QString failureOf(const QJsonObject &r) {
        return QStringList{r.value(QLatin1String("failed_device")).toString(),
                           r.value(QLatin1String("failed_step")).toString(),
                           r.value(QLatin1String("failure_kind")).toString()}
            .join(QLatin1Char('/'));
    }
    QJsonObject lastInHistory() {
        return QJsonDocument::fromJson(
                   host_->call(QStringLiteral("GetHistory")).arguments().value(0).toString().toUtf8())
            .array()
            .first()
            .toObject();
    }
    bool writeAgentConfig(const QByteArray &json) {
        QFile cfg(work_.filePath(QStringLiteral("agent-config/io.conduit.example.ecu.json")));
        return cfg.open(QIODevice::WriteOnly) && cfg.write(json) == json.size();
    }
    QString holdDir() const { return work_.filePath(QStringLiteral("hold")); }
    // simulation: [vehicle] source = simulation (SetVehicleSignal reaches it).
    bool writeHostConfig(bool simulation) {
        QFile conf(work_.filePath(QStringLiteral("conduit.conf")));
        if (!conf.open(QIODevice::WriteOnly)) return false;
        conf.write("[host]\nstate_dir = state\n[agents]\nconfig_dir = agent-config\ndirs = " CONDUIT_AGENT_DIR "\n");
        if (simulation) conf.write("[vehicle]\nsource = simulation\n");
        // The example agent's hold files (hold_file) live where its
        // compartment is granted: the work dir is out of its view.
        conf.write("[agent-paths]\nio.conduit.example.ecu = rw:" + holdDir().toUtf8() + "\n");
        return true;
    }
    // Starts conduitd and waits for its name on the bus.
    bool startHost() {
        if (!dbustest::startConduitd(conduitd_, kBin + QStringLiteral("/conduitd"),
                                     work_.filePath(QStringLiteral("conduit.conf"))))
            return false;
        host_ = std::make_unique<QDBusInterface>(kService, kPath, kIface, QDBusConnection::sessionBus());
        return host_->isValid();
    }
    bool stopHost() {
        conduitd_.terminate();
        return conduitd_.waitForFinished(10000);
    }

private slots:
    void initTestCase() {
        QVERIFY2(QDBusConnection::sessionBus().isConnected(), "run under dbus-run-session");
        QVERIFY(run(QStringLiteral("conduit-repo"),
                    {QStringLiteral("init"), QStringLiteral("--repo"), QStringLiteral("repo"), QStringLiteral("--seed"),
                     QStringLiteral("42")}));
        QDir(work_.path()).mkpath(QStringLiteral("state"));
        QDir(work_.path()).mkpath(QStringLiteral("agent-config"));
        QDir(work_.path()).mkpath(QStringLiteral("hold"));
        QVERIFY(run(QStringLiteral("conduitctl"),
                    {QStringLiteral("provision"), QStringLiteral("--state"), QStringLiteral("state/trust.json"),
                     QStringLiteral("--director-root"), QStringLiteral("repo/director/metadata/1.root.json"),
                     QStringLiteral("--image-root"), QStringLiteral("repo/image/metadata/1.root.json")}));
        QVERIFY(writeAgentConfig(R"({"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"})"));
        QVERIFY(writeHostConfig(true));
        QVERIFY(startHost());
        auto bus = QDBusConnection::sessionBus();
        QVERIFY(bus.connect(kService, kPath, kIface, QStringLiteral("ConsentRequested"), &listener_,
                            SLOT(onConsent(QString, QString))));
        QVERIFY(bus.connect(kService, kPath, kIface, QStringLiteral("CampaignFinished"), &listener_,
                            SLOT(onFinished(QString))));
        QVERIFY(bus.connect(kService, kPath, kIface, QStringLiteral("ConditionsChanged"), &listener_,
                            SLOT(onConditions(QStringList))));
        QVERIFY(bus.connect(kService, kPath, kIface, QStringLiteral("ConditionBreak"), &listener_,
                            SLOT(onConditionBreak(QStringList, QString))));
        QVERIFY(bus.connect(kService, kPath, kIface, QStringLiteral("Progress"), &listener_,
                            SLOT(onProgress(qulonglong, qulonglong, int, QString))));
        QVERIFY(
            bus.connect(kService, kPath, kIface, QStringLiteral("StateChanged"), &listener_, SLOT(onState(QString))));
    }

    void cleanupTestCase() { QVERIFY(stopHost()); }

    // Without [vehicle] source = simulation nobody on the bus can set the
    // vehicle's state (the HMI could fake "parked"): SetVehicleSignal is
    // NotSupported, and nothing is known until a trusted provider reports.
    void vehicleSimulationIsOffUnlessConfigured() {
        QVERIFY(stopHost());
        QVERIFY(writeHostConfig(false));
        QVERIFY(startHost());
        QDBusMessage r =
            host_->call(QStringLiteral("SetVehicleSignal"), QStringLiteral("Vehicle.Speed"), QStringLiteral("0"));
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.NotSupported"));
        QVERIFY2(r.errorMessage().contains(QLatin1String("source = simulation")), qPrintable(r.errorMessage()));
        r = host_->call(QStringLiteral("GetVehicleState"));
        QCOMPARE(r.arguments().value(0).toString(), QStringLiteral("{}"));
        QVERIFY(stopHost());
        QVERIFY(writeHostConfig(true));
        QVERIFY(startHost());
        r = host_->call(QStringLiteral("SetVehicleSignal"), QStringLiteral("Vehicle.Speed"), QStringLiteral("0"));
        QCOMPARE(r.type(), QDBusMessage::ReplyMessage);
    }

    void introspectionMatchesRepository() {
        const QString expected = dbustest::inXmlFile(QStringLiteral(CONDUIT_DBUS_XML), kIface);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(dbustest::introspected(kService, kPath, kIface), expected);
    }

    void idleStateAndErrors() {
        QCOMPARE(prop(QStringLiteral("State")).toString(), QStringLiteral("Idle"));
        QDBusMessage r = host_->call(QStringLiteral("Accept"), QStringLiteral("download"));
        QCOMPARE(r.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.NotAsked"));
        r = host_->call(QStringLiteral("Accept"), QStringLiteral("now"));
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.InvalidArgument"));
        r = host_->call(QStringLiteral("SetVehicleSignal"), QStringLiteral("Vehicle.Nope"), QStringLiteral("1"));
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.InvalidArgument"));
        r = host_->call(QStringLiteral("InstallBundle"), work_.filePath(QStringLiteral("missing.bundle")));
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.Refused"));
        QVERIFY(!r.errorMessage().isEmpty());
    }

    // A FIFO named or passed as a bundle is refused at once; it froze
    // conduitd's event loop (and with it the bus and DDI polling).
    void bundleThatIsNoFileIsRefused() {
        const QString fifo = work_.filePath(QStringLiteral("bundle.fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QDBusMessage r = host_->call(QStringLiteral("InstallBundle"), fifo);
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.Refused"));
        QVERIFY2(r.errorMessage().contains(QLatin1String("not a regular file")), qPrintable(r.errorMessage()));
        const int fd = ::open(QFile::encodeName(fifo).constData(), O_RDWR | O_CLOEXEC); // no wait for a writer
        QVERIFY(fd >= 0);
        r = host_->call(QStringLiteral("InstallBundleFd"), QVariant::fromValue(QDBusUnixFileDescriptor(fd)));
        ::close(fd);
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.Refused"));
        QCOMPARE(r.errorMessage(), QStringLiteral("the bundle passed is not a regular file"));
        // The host still answers.
        QCOMPARE(prop(QStringLiteral("State")).toString(), QStringLiteral("Idle"));
        QFile::remove(fifo);
    }

    QString notesFile(const QString &name, const QByteArray &text) {
        QFile f(work_.filePath(name));
        return f.open(QIODevice::WriteOnly) && f.write(text) == text.size() ? f.fileName() : QString();
    }

    void consentThroughDBus() {
        // What the driver is told, signed per target: the gateway (phase 0)
        // alone, then both brake ECUs (phase 1, same notes) in parallel.
        const QString gwEn = notesFile(QStringLiteral("gw-en.txt"), "Gateway: faster start.\n");
        const QString gwDe = notesFile(QStringLiteral("gw-de.txt"), "Gateway: schnellerer Start.\n");
        const QString brEn = notesFile(QStringLiteral("br-en.txt"), "Brakes: smoother at low speed.\n");
        const QString brDe = notesFile(QStringLiteral("br-de.txt"), "Bremsen: sanfter, Ger\xc3\xa4usch behoben.\n");
        auto figures = [](const char *install, const char *unusable, const QString &en, const QString &de) {
            return QStringList{QStringLiteral("--install-seconds"),  QLatin1String(install),
                               QStringLiteral("--unusable-seconds"), QLatin1String(unusable),
                               QStringLiteral("--release-notes"),    QStringLiteral("en=") + en,
                               QStringLiteral("--release-notes"),    QStringLiteral("de=") + de};
        };
        const QString bundle = release({}, {{QStringLiteral("gw-1"), figures("120", "60", gwEn, gwDe)},
                                            {QStringLiteral("ecu-1"), figures("300", "200", brEn, brDe)},
                                            {QStringLiteral("ecu-2"), figures("200", "250", brEn, brDe)}});
        QVERIFY(!bundle.isEmpty());
        QSignalSpy consent(&listener_, &Listener::consent);
        QSignalSpy finished(&listener_, &Listener::finished);
        QSignalSpy progress(&listener_, &Listener::progress);
        listener_.states.clear();
        // Passed as a descriptor, as conduitctl does: the host opens no path.
        QFile file(bundle);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QDBusMessage r =
            host_->call(QStringLiteral("InstallBundleFd"), QVariant::fromValue(QDBusUnixFileDescriptor(file.handle())));
        file.close();
        QVERIFY2(r.type() == QDBusMessage::ReplyMessage, qPrintable(r.errorMessage()));
        QVERIFY(consent.wait(15000));
        QCOMPARE(consent.takeFirst().first().toString(), QStringLiteral("download"));
        QCOMPARE(prop(QStringLiteral("PendingConsent")).toString(), QStringLiteral("download"));
        QCOMPARE(prop(QStringLiteral("State")).toString(), QStringLiteral("AwaitingDownloadConsent"));
        QCOMPARE(prop(QStringLiteral("BytesTotal")).toULongLong(), 9ull << 20);
        const QJsonObject campaign =
            QJsonDocument::fromJson(host_->call(QStringLiteral("GetCampaign")).arguments().value(0).toString().toUtf8())
                .object();
        QCOMPARE(campaign.value(QLatin1String("targets")).toArray().size(), 3);
        // Phases in sequence, devices of a phase in parallel: 120 + max(300, 200).
        QCOMPARE(campaign.value(QLatin1String("install_seconds")).toInteger(-1), qint64(420));
        QCOMPARE(campaign.value(QLatin1String("unusable_seconds")).toInteger(-1), qint64(60 + 250));
        const QJsonObject notes = campaign.value(QLatin1String("release_notes")).toObject();
        QCOMPARE(notes.value(QLatin1String("en")).toString(),
                 QStringLiteral("Gateway: faster start.\n\nBrakes: smoother at low speed."));
        QCOMPARE(notes.value(QLatin1String("de")).toString(),
                 QString::fromUtf8("Gateway: schnellerer Start.\n\nBremsen: sanfter, Ger\xc3\xa4usch behoben."));
        QCOMPARE(notes.size(), 2);
        // The consent question carries the same document.
        const QJsonObject asked = QJsonDocument::fromJson(listener_.consentCampaign.toUtf8()).object();
        QCOMPARE(asked.value(QLatin1String("install_seconds")).toInteger(-1), qint64(420));
        QCOMPARE(asked.value(QLatin1String("release_notes")).toObject(), notes);
        for (const QJsonValue &d : campaign.value(QLatin1String("devices")).toArray())
            QVERIFY(d.toObject().contains(QLatin1String("eta_seconds")));
        QCOMPARE(host_->call(QStringLiteral("Accept"), QStringLiteral("install")).errorName(),
                 QStringLiteral("io.conduit.Host1.Error.NotAsked"));
        QCOMPARE(host_->call(QStringLiteral("Accept"), QStringLiteral("download")).type(), QDBusMessage::ReplyMessage);
        QVERIFY(consent.wait(15000));
        QCOMPARE(consent.takeFirst().first().toString(), QStringLiteral("install"));
        QCOMPARE(host_->call(QStringLiteral("Accept"), QStringLiteral("install")).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(finishedOutcome(finished), QStringLiteral("success"));
        for (const char *s : {"Checking", "AwaitingDownloadConsent", "Downloading", "AwaitingInstallConsent",
                              "Installing", "Activating", "Committing", "Done"})
            QVERIFY2(listener_.states.contains(QLatin1String(s)), s);
        QVERIFY(!progress.isEmpty());
        const QJsonArray history =
            QJsonDocument::fromJson(host_->call(QStringLiteral("GetHistory")).arguments().value(0).toString().toUtf8())
                .array();
        QCOMPARE(history.first().toObject().value(QLatin1String("outcome")).toString(), QStringLiteral("success"));
        QCOMPARE(failureOf(history.first().toObject()), QStringLiteral("//")); // present, empty: nothing failed
        const QString inventory = host_->call(QStringLiteral("GetInventory")).arguments().value(0).toString();
        QVERIFY2(inventory.contains(QLatin1String("\"version\":\"ecu-1-2.img\"")), qPrintable(inventory));
    }

    void waitsForParkedThenInstalls() {
        const QString bundle = release({QStringLiteral("--require-parked")});
        QVERIFY(!bundle.isEmpty());
        QCOMPARE(host_
                     ->call(QStringLiteral("SetVehicleSignal"),
                            QStringLiteral("Vehicle.Powertrain.Transmission.SelectedGear"), QStringLiteral("127"))
                     .type(),
                 QDBusMessage::ReplyMessage);
        QCOMPARE(host_->call(QStringLiteral("SetAutoConsent"), true).type(), QDBusMessage::ReplyMessage);
        QVERIFY(prop(QStringLiteral("AutoConsent")).toBool());
        QSignalSpy conditions(&listener_, &Listener::conditions);
        QSignalSpy finished(&listener_, &Listener::finished);
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        QVERIFY(conditions.wait(15000));
        QCOMPARE(conditions.first().first().toStringList(), QStringList{QStringLiteral("Shift to P")});
        QCOMPARE(prop(QStringLiteral("State")).toString(), QStringLiteral("WaitingForConditions"));
        QVERIFY(finished.isEmpty());
        host_->call(QStringLiteral("SetVehicleSignal"), QStringLiteral("Vehicle.Powertrain.Transmission.SelectedGear"),
                    QStringLiteral("126"));
        QCOMPARE(finishedOutcome(finished), QStringLiteral("success"));
        host_->call(QStringLiteral("SetAutoConsent"), false);
    }

    // The driver shifts to D while a device installs: ConditionBreak comes
    // on the bus at once (not when the phase ends), with the signed rule;
    // by "pause" the running step ends and the next phase waits for P.
    void conditionBreakOnTheBusWhileInstalling() {
        const QString hold = holdDir() + QStringLiteral("/install-may-end");
        QVERIFY(stopHost());
        QVERIFY(writeAgentConfig(
            QByteArray(
                R"({"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake", "hold_at": "gw-1:install", "hold_file": ")") +
            hold.toUtf8() + "\"}"));
        QVERIFY(startHost());
        const QString bundle = release(
            {QStringLiteral("--require-parked"), QStringLiteral("--on-condition-break"), QStringLiteral("pause")});
        QVERIFY(!bundle.isEmpty());
        QCOMPARE(host_->call(QStringLiteral("SetAutoConsent"), true).type(), QDBusMessage::ReplyMessage);
        QSignalSpy breaks(&listener_, &Listener::conditionBreak);
        QSignalSpy finished(&listener_, &Listener::finished);
        listener_.states.clear();
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        QTRY_VERIFY_WITH_TIMEOUT(listener_.states.contains(QLatin1String("Installing")), 15000);
        QCOMPARE(host_
                     ->call(QStringLiteral("SetVehicleSignal"),
                            QStringLiteral("Vehicle.Powertrain.Transmission.SelectedGear"), QStringLiteral("127"))
                     .type(),
                 QDBusMessage::ReplyMessage);
        QVERIFY(breaks.wait(5000));
        QCOMPARE(breaks.first().at(0).toStringList(), QStringList{QStringLiteral("Shift to P")});
        QCOMPARE(breaks.first().at(1).toString(), QStringLiteral("pause"));
        QCOMPARE(prop(QStringLiteral("State")).toString(), QStringLiteral("Installing")); // the step still runs
        QFile(hold).open(QIODevice::WriteOnly);                                           // the step ends
        QTRY_COMPARE_WITH_TIMEOUT(prop(QStringLiteral("State")).toString(), QStringLiteral("WaitingForConditions"),
                                  15000);
        QVERIFY(finished.isEmpty());
        host_->call(QStringLiteral("SetVehicleSignal"), QStringLiteral("Vehicle.Powertrain.Transmission.SelectedGear"),
                    QStringLiteral("126"));
        QCOMPARE(finishedOutcome(finished), QStringLiteral("success"));
        QCOMPARE(breaks.count(), 1);
        host_->call(QStringLiteral("SetAutoConsent"), false);
        QVERIFY(stopHost());
        QVERIFY(writeAgentConfig(R"({"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"})"));
        QVERIFY(startHost());
    }

    void conduitctlDrivesACampaign() {
        const QString bundle = release();
        QVERIFY(!bundle.isEmpty());
        // A release that states no figure: absent (unknown), not zero.
        auto unstated = [this] {
            const QJsonObject c =
                QJsonDocument::fromJson(
                    host_->call(QStringLiteral("GetCampaign")).arguments().value(0).toString().toUtf8())
                    .object();
            return !c.contains(QLatin1String("install_seconds")) && !c.contains(QLatin1String("unusable_seconds")) &&
                   c.value(QLatin1String("release_notes")).toObject().isEmpty();
        };
        QSignalSpy consent(&listener_, &Listener::consent);
        QSignalSpy finished(&listener_, &Listener::finished);
        QProcess install;
        install.start(kBin + QStringLiteral("/conduitctl"),
                      {QStringLiteral("install"), bundle, QStringLiteral("--session")});
        QVERIFY(consent.wait(15000));
        auto ctl = [](const QStringList &args) {
            QProcess p;
            p.start(kBin + QStringLiteral("/conduitctl"), args + QStringList{QStringLiteral("--session")});
            p.waitForFinished(30000);
            return std::make_pair(p.exitCode(),
                                  QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError()));
        };
        QVERIFY(unstated());
        auto status = ctl({QStringLiteral("status")});
        QCOMPARE(status.first, 0);
        QVERIFY2(status.second.contains(QLatin1String("waiting for download consent")), qPrintable(status.second));
        auto wrong = ctl({QStringLiteral("consent"), QStringLiteral("accept"), QStringLiteral("install")});
        QCOMPARE(wrong.first, 1);
        QVERIFY2(wrong.second.contains(QLatin1String("no install consent is being asked")), qPrintable(wrong.second));
        QCOMPARE(ctl({QStringLiteral("consent"), QStringLiteral("accept")}).first, 0);
        QVERIFY(consent.wait(15000));
        QCOMPARE(ctl({QStringLiteral("consent"), QStringLiteral("accept")}).first, 0);
        QVERIFY(install.waitForFinished(30000));
        const QString out = QString::fromUtf8(install.readAllStandardOutput());
        QCOMPARE(install.exitCode(), 0);
        QVERIFY2(out.contains(QLatin1String("consent needed: download")), qPrintable(out));
        QVERIFY2(out.contains(QLatin1String("state: Committing")), qPrintable(out));
        QVERIFY2(out.contains(QLatin1String("result: success")), qPrintable(out));
        QCOMPARE(finishedOutcome(finished), QStringLiteral("success")); // this test's campaign, seen here too
        auto agents = ctl({QStringLiteral("agents")});
        QVERIFY2(agents.second.contains(QStringLiteral("ecu-1-%1.img").arg(release_)), qPrintable(agents.second));
        auto history = ctl({QStringLiteral("history"), QStringLiteral("--json")});
        QCOMPARE(QJsonDocument::fromJson(history.second.toUtf8())
                     .array()
                     .first()
                     .toObject()
                     .value(QLatin1String("outcome"))
                     .toString(),
                 QStringLiteral("success"));
        auto vehicle = ctl({QStringLiteral("vehicle"), QStringLiteral("set"), QStringLiteral("Vehicle.Speed=30")});
        QCOMPARE(vehicle.first, 0);
        QVERIFY(vehicle.second.contains(QLatin1String("Vehicle.Speed = 30")));
        QCOMPARE(ctl({QStringLiteral("vehicle"), QStringLiteral("set"), QStringLiteral("Vehicle.Speed=fast")}).first,
                 1);
        QCOMPARE(ctl({QStringLiteral("vehicle"), QStringLiteral("set"), QStringLiteral("Vehicle.Speed=0")}).first, 0);
    }

    void cancelBeforeInstall() {
        const QString bundle = release();
        QVERIFY(!bundle.isEmpty());
        const QString before = host_->call(QStringLiteral("GetInventory")).arguments().value(0).toString();
        QSignalSpy consent(&listener_, &Listener::consent);
        QSignalSpy finished(&listener_, &Listener::finished);
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        QVERIFY(consent.wait(15000));
        QCOMPARE(host_->call(QStringLiteral("Accept"), QStringLiteral("download")).type(), QDBusMessage::ReplyMessage);
        QVERIFY(consent.wait(15000)); // install consent asked: staged, not installed
        QCOMPARE(host_->call(QStringLiteral("Cancel"), QStringLiteral("driver changed their mind")).type(),
                 QDBusMessage::ReplyMessage);
        const QJsonObject result = finishedResult(finished);
        QCOMPARE(result.value(QLatin1String("outcome")).toString(), QStringLiteral("cancelled"));
        QCOMPARE(failureOf(result),
                 QStringLiteral("/consent/cancelled")); // stopped while the install consent was asked
        const QString inventory = host_->call(QStringLiteral("GetInventory")).arguments().value(0).toString();
        QCOMPARE(versions(inventory), versions(before)); // every device still on its last good version
        QCOMPARE(host_->call(QStringLiteral("Cancel"), QString()).errorName(),
                 QStringLiteral("io.conduit.Host1.Error.Refused"));
    }

    // The signed deferral limit: the campaign says how many postpones are
    // left, and one beyond it is DeferralLimitReached (not NotAsked).
    void postponeBeyondTheDeferralLimit() {
        const QString bundle = release({QStringLiteral("--max-deferrals"), QStringLiteral("1")});
        QVERIFY(!bundle.isEmpty());
        QSignalSpy consent(&listener_, &Listener::consent);
        QSignalSpy finished(&listener_, &Listener::finished);
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        QVERIFY(consent.wait(15000));
        auto deferralsLeft = [](const QString &campaignJson) {
            return QJsonDocument::fromJson(campaignJson.toUtf8())
                .object()
                .value(QLatin1String("deferrals_left"))
                .toInt(-2);
        };
        QCOMPARE(deferralsLeft(listener_.consentCampaign), 1);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QDBusMessage r = host_->call(QStringLiteral("Postpone"), QStringLiteral("download"), now - 10);
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.InvalidArgument"));
        r = host_->call(QStringLiteral("Postpone"), QStringLiteral("download"), now + 2);
        QCOMPARE(r.type(), QDBusMessage::ReplyMessage);
        QVERIFY(consent.wait(15000)); // asked again at that time
        QCOMPARE(deferralsLeft(listener_.consentCampaign), 0);
        QCOMPARE(deferralsLeft(host_->call(QStringLiteral("GetCampaign")).arguments().value(0).toString()), 0);
        r = host_->call(QStringLiteral("Postpone"), QStringLiteral("download"), now + 3600);
        QCOMPARE(r.errorName(), QStringLiteral("io.conduit.Host1.Error.DeferralLimitReached"));
        QVERIFY2(r.errorMessage().contains(QLatin1String("at most 1")), qPrintable(r.errorMessage()));
        QCOMPARE(prop(QStringLiteral("State")).toString(), QStringLiteral("AwaitingDownloadConsent"));
        // Not asked at all is still NotAsked.
        QCOMPARE(host_->call(QStringLiteral("Postpone"), QStringLiteral("install"), now + 3600).errorName(),
                 QStringLiteral("io.conduit.Host1.Error.NotAsked"));
        QCOMPARE(host_->call(QStringLiteral("Decline"), QStringLiteral("download")).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(finishedOutcome(finished), QStringLiteral("declined"));
    }

    // Idle after a campaign that moved bytes: no figures of it are left.
    void idlePropertiesReset() {
        const QString bundle = release();
        QVERIFY(!bundle.isEmpty());
        QSignalSpy finished(&listener_, &Listener::finished);
        QSignalSpy progress(&listener_, &Listener::progress);
        QCOMPARE(host_->call(QStringLiteral("SetAutoConsent"), true).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(finishedOutcome(finished), QStringLiteral("success"));
        host_->call(QStringLiteral("SetAutoConsent"), false);
        QVERIFY(!progress.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(prop(QStringLiteral("State")).toString(), QStringLiteral("Idle"), 10000);
        QCOMPARE(prop(QStringLiteral("BytesDone")).toULongLong(), 0ull);
        QCOMPARE(prop(QStringLiteral("BytesTotal")).toULongLong(), 0ull);
        QCOMPARE(prop(QStringLiteral("EtaSeconds")).toInt(), -1);
        QCOMPARE(prop(QStringLiteral("Phase")).toInt(), -1);
    }

    // A 200 KB Cancel reason with control characters reaches the engine,
    // the journal and the history as one line of 256 code points.
    void cancelReasonIsBoundedAndSanitised() {
        const QString bundle = release();
        QVERIFY(!bundle.isEmpty());
        QSignalSpy consent(&listener_, &Listener::consent);
        QSignalSpy finished(&listener_, &Listener::finished);
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        QVERIFY(consent.wait(15000));
        const QString huge = QStringLiteral("stop\x1b[2J\n") + QString(200 * 1024, QLatin1Char('r'));
        QCOMPARE(host_->call(QStringLiteral("Cancel"), huge).type(), QDBusMessage::ReplyMessage);
        const QJsonObject result = finishedResult(finished);
        const QString expected =
            QStringLiteral("cancelled: stop\ufffd[2J\ufffd") + QString(246, QLatin1Char('r')) + QChar(0x2026);
        QCOMPARE(result.value(QLatin1String("reason")).toString(), expected);
        QCOMPARE(lastInHistory().value(QLatin1String("reason")).toString(), expected);
        for (const QString &name : QDir(work_.filePath(QStringLiteral("state"))).entryList(QDir::Files)) {
            QFile f(work_.filePath(QStringLiteral("state/") + name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            QVERIFY2(!bytes.contains(QByteArray(1000, 'r')), qPrintable(name)); // nothing kept unbounded
        }
    }

    // install and watch exit by the campaign's outcome (docs/dbus-api.md):
    // declined 7, cancelled 6; with --json every line is JSON, errors too.
    void conduitctlExitsByOutcome() {
        QSignalSpy consent(&listener_, &Listener::consent);
        QSignalSpy finished(&listener_, &Listener::finished);
        const QString declined = release();
        QVERIFY(!declined.isEmpty());
        QProcess install;
        install.start(kBin + QStringLiteral("/conduitctl"),
                      {QStringLiteral("install"), declined, QStringLiteral("--session"), QStringLiteral("--json")});
        QVERIFY(consent.wait(15000));
        QCOMPARE(host_->call(QStringLiteral("Decline"), QStringLiteral("download")).type(), QDBusMessage::ReplyMessage);
        QVERIFY(install.waitForFinished(30000));
        const QByteArray out = install.readAllStandardOutput();
        QCOMPARE(install.exitCode(), 7);
        QVERIFY2(firstNonJsonLine(out).isEmpty(), qPrintable(firstNonJsonLine(out)));
        QVERIFY2(out.contains("\"event\":\"queued\""), out.constData());
        QCOMPARE(finishedOutcome(finished), QStringLiteral("declined"));

        const QString cancelled = release();
        QVERIFY(!cancelled.isEmpty());
        install.start(kBin + QStringLiteral("/conduitctl"),
                      {QStringLiteral("install"), cancelled, QStringLiteral("--session")});
        QVERIFY(consent.wait(15000));
        QProcess watch; // attached while the question is open
        watch.start(kBin + QStringLiteral("/conduitctl"), {QStringLiteral("watch"), QStringLiteral("--session")});
        QVERIFY(watch.waitForStarted(10000));
        QVERIFY(watch.waitForReadyRead(15000)); // its first line: the state it started from
        QCOMPARE(host_->call(QStringLiteral("Cancel"), QStringLiteral("changed my mind")).type(),
                 QDBusMessage::ReplyMessage);
        QVERIFY(install.waitForFinished(30000));
        QVERIFY(watch.waitForFinished(30000));
        QCOMPARE(install.exitCode(), 6);
        QCOMPARE(watch.exitCode(), 6);
        QCOMPARE(finishedOutcome(finished), QStringLiteral("cancelled"));
        // Nothing in progress: watch has nothing to report, and says so in JSON.
        CtlRun idle = conduitctl({QStringLiteral("watch"), QStringLiteral("--json")});
        QCOMPARE(idle.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(idle.out).object().value(QLatin1String("event")).toString(),
                 QStringLiteral("idle"));

        // Errors with --json: JSON on stdout, with the exit status in it.
        const QString garbage = notesFile(QStringLiteral("garbage.bundle"), "not a bundle");
        for (const auto &[args, code] :
             {std::pair{QStringList{QStringLiteral("install"), garbage, QStringLiteral("--json")}, 1},
              std::pair{QStringList{QStringLiteral("install"), work_.filePath(QStringLiteral("missing.bundle")),
                                    QStringLiteral("--json")},
                        2},
              std::pair{QStringList{QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--bogus")},
                        2}}) {
            const CtlRun r = conduitctl(args);
            QCOMPARE(r.exitCode, code);
            const QJsonObject error = QJsonDocument::fromJson(r.out).object();
            QVERIFY2(!error.value(QLatin1String("error")).toString().isEmpty(), r.out.constData());
            QCOMPARE(error.value(QLatin1String("exit_code")).toInt(), code);
            QCOMPARE(error.value(QLatin1String("command")).toString(), args.first());
        }
    }

    // A reason with control characters (written by an older host, or an
    // agent's message): `history` shows each campaign on one line, with no
    // raw ESC, CR or LF from the reason.
    void historyEscapesControlCharacters() {
        QVERIFY(stopHost());
        QFile file(work_.filePath(QStringLiteral("state/history.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonArray history = QJsonDocument::fromJson(file.readAll()).array();
        file.close();
        QVERIFY(!history.isEmpty());
        QJsonObject forged = history.first().toObject();
        forged.insert(QStringLiteral("name"), QStringLiteral("forged\x1b]0;title\x07"));
        forged.insert(QStringLiteral("reason"), QStringLiteral("boom\x1b[2J\rover\n2026-01-01  success  fake"));
        history.append(forged); // the oldest
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(QJsonDocument(history).toJson());
        file.close();
        QVERIFY(startHost());
        const CtlRun r = conduitctl({QStringLiteral("history")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(!r.out.contains('\x1b') && !r.out.contains('\x07') && !r.out.contains('\r'), r.out.constData());
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), history.size());
        QVERIFY2(lines.last().contains("boom\\x1b[2J\\rover\\n2026-01-01  success  fake"), lines.last().constData());
    }

    // A device fails: the result says on which device, in which step and
    // what happened, beside the technical reason: in CampaignFinished, in
    // GetHistory, in conduitctl history --json, and after conduitd restarts.
    void failureIsStructured() {
        QVERIFY(stopHost());
        QVERIFY(writeAgentConfig(R"({"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake", "fail_at": "ecu-2:install"})"));
        QVERIFY(startHost());
        const QString bundle = release();
        QVERIFY(!bundle.isEmpty());
        QSignalSpy finished(&listener_, &Listener::finished);
        QCOMPARE(host_->call(QStringLiteral("SetAutoConsent"), true).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(host_->call(QStringLiteral("InstallBundle"), bundle).type(), QDBusMessage::ReplyMessage);
        const QJsonObject result = finishedResult(finished);
        host_->call(QStringLiteral("SetAutoConsent"), false);
        QCOMPARE(result.value(QLatin1String("outcome")).toString(), QStringLiteral("rolled-back"));
        QCOMPARE(failureOf(result), QStringLiteral("ecu-2/install/device-error"));
        QVERIFY2(
            result.value(QLatin1String("reason")).toString().startsWith(QLatin1String("device ecu-2: install failed")),
            qPrintable(result.value(QLatin1String("reason")).toString()));
        QCOMPARE(lastInHistory(), result);
        QProcess ctl;
        ctl.start(kBin + QStringLiteral("/conduitctl"),
                  {QStringLiteral("history"), QStringLiteral("--json"), QStringLiteral("--session")});
        QVERIFY(ctl.waitForFinished(30000));
        QCOMPARE(QJsonDocument::fromJson(ctl.readAllStandardOutput()).array().first().toObject(), result);
        QVERIFY(stopHost());
        QVERIFY(startHost());
        QCOMPARE(lastInHistory(), result); // read back from conduitd's history file
    }

    // A campaign that rolls back: install exits 4.
    void conduitctlExitsRolledBack() {
        const QString bundle = release();
        QVERIFY(!bundle.isEmpty());
        QCOMPARE(host_->call(QStringLiteral("SetAutoConsent"), true).type(), QDBusMessage::ReplyMessage);
        const CtlRun r = conduitctl({QStringLiteral("install"), bundle});
        host_->call(QStringLiteral("SetAutoConsent"), false);
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.out.contains("result: rolled-back"), r.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestControlApi)
#include "tst_controlapi.moc"
