// The HMI end to end: the real conduitd on a private session bus (ctest runs
// this under dbus-run-session and xvfb-run), the HMI's QML and D-Bus bridge
// as conduit-hmi loads them, and a driver who clicks. A campaign is
// offered, looked at, postponed, accepted, waits for P, installs; conduitd
// restarts (the HMI says so and recovers); a second campaign rolls back.
// Every screen is grabbed into CONDUIT_HMI_SCREENSHOTS and must not be blank.
#include "hmiloader.h"
#include "hostclient.h"

#include <QDBusConnection>
#include <QDBusInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusServiceWatcher>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest/quicktest.h>

Q_IMPORT_QML_PLUGIN(Conduit_HmiPlugin)

using conduit::hmi::HostClient;

namespace {
const QString kService = QStringLiteral("io.conduit.Host");
const QString kPath = QStringLiteral("/io/conduit/Host");
const QString kIface = QStringLiteral("io.conduit.Host1");
const QString kBin = QStringLiteral(CONDUIT_BIN_DIR);
constexpr int kTimeout = 30000;
} // namespace

// Runs a checking helper; when it failed, the test function stops there
// instead of waiting out every later step.
#define STEP(call)                                                                                                     \
    do {                                                                                                               \
        call;                                                                                                          \
        if (QTest::currentTestFailed()) return;                                                                        \
    } while (false)

class TestHmiE2e : public QObject {
    Q_OBJECT
    QTemporaryDir work_;
    QProcess conduitd_;
    QString lang_;
    QSize size_;
    QDir shots_;
    QSet<QString> taken_;
    std::unique_ptr<HostClient> client_;
    std::unique_ptr<QQmlApplicationEngine> engine_;
    QQuickWindow *window_ = nullptr;
    QQuickItem *root_ = nullptr;
    int release_ = 1;
    QString progressShot_; // the progress screen to grab at the next report
    bool broken_ = false;  // a step failed: the later ones build on it

    // --- the vehicle side ---------------------------------------------------

    bool run(const QString &tool, const QStringList &args) {
        QProcess p;
        p.setWorkingDirectory(work_.path());
        p.start(kBin + QLatin1Char('/') + tool, args);
        if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            qWarning() << tool << args << p.readAllStandardError();
            return false;
        }
        return true;
    }
    // Signs the next release for gw-1 (phase 0), ecu-1 and ecu-2 (phase 1).
    QString release(const QStringList &policy) {
        const QString v = QString::number(++release_);
        for (const QString &spec :
             {QStringLiteral("gw-1:gateway:0"), QStringLiteral("ecu-1:brake:1"), QStringLiteral("ecu-2:brake:1")}) {
            const QStringList p = spec.split(QLatin1Char(':'));
            const QString image = work_.filePath(QStringLiteral("%1-%2.img").arg(p[0], v));
            QFile f(image);
            if (!f.open(QIODevice::WriteOnly)) return {};
            f.write(QByteArray(3 << 20, char('a' + release_)));
            f.close();
            if (!run(QStringLiteral("conduit-repo"),
                     QStringList{QStringLiteral("add-target"), QStringLiteral("--repo"), QStringLiteral("repo"), image,
                                 QStringLiteral("--hardware-id"), p[1], QStringLiteral("--release-counter"), v,
                                 QStringLiteral("--phase"), p[2]} +
                         policy) ||
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
    void writeAgentConfig(const QByteArray &json) {
        QFile cfg(work_.filePath(QStringLiteral("agent-config/io.conduit.example.ecu.json")));
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write(json);
    }
    void startHost() {
        QDBusServiceWatcher watcher(kService, QDBusConnection::sessionBus(), QDBusServiceWatcher::WatchForRegistration);
        QSignalSpy registered(&watcher, &QDBusServiceWatcher::serviceRegistered);
        conduitd_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        conduitd_.start(kBin + QStringLiteral("/conduitd"),
                        {QStringLiteral("--config"), work_.filePath(QStringLiteral("conduit.conf"))});
        QVERIFY(registered.wait(15000));
    }
    void stopHost() {
        conduitd_.terminate();
        QVERIFY(conduitd_.waitForFinished(10000));
    }
    // Calls the service directly (not through the HMI): the test's own view.
    QDBusMessage host(const QString &method, const QVariantList &args = {}) {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kIface, method);
        m.setArguments(args);
        return QDBusConnection::sessionBus().call(m, QDBus::Block, kTimeout);
    }
    QString hostState() {
        QDBusInterface iface(kService, kPath, kIface);
        return iface.property("State").toString();
    }
    void setGear(int gear) {
        QCOMPARE(host(QStringLiteral("SetVehicleSignal"),
                      {QStringLiteral("Vehicle.Powertrain.Transmission.SelectedGear"), QString::number(gear)})
                     .type(),
                 QDBusMessage::ReplyMessage);
    }
    // InstallBundle replies after verification; the HMI must not wait for it.
    void installBundle(const QString &bundle) {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kIface, QStringLiteral("InstallBundle"));
        m << bundle;
        auto *w = new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(m, kTimeout), this);
        connect(w, &QDBusPendingCallWatcher::finished, this, [w] {
            if (w->isError()) qWarning() << "InstallBundle:" << w->error().message();
            w->deleteLater();
        });
    }

    // --- the driver side ----------------------------------------------------

    QString screen() const { return root_->property("screen").toString(); }
    QQuickItem *currentScreen() const { return root_->property("currentScreen").value<QQuickItem *>(); }
    // Searches the visual tree: delegates of views and repeaters are not
    // QObject children of the screen.
    static QQuickItem *findItem(QQuickItem *item, const QString &objectName) {
        if (!item) return nullptr;
        for (QQuickItem *child : item->childItems()) {
            if (child->objectName() == objectName) return child;
            if (QQuickItem *found = findItem(child, objectName)) return found;
        }
        return nullptr;
    }
    QQuickItem *find(const QString &objectName) const { return findItem(currentScreen(), objectName); }
    QString textOf(const QString &objectName) const {
        QQuickItem *i = find(objectName);
        return i ? i->property("text").toString() : QString();
    }
    // Taps the centre of a visible, enabled item on the current screen.
    void click(const QString &objectName) {
        QQuickItem *item = find(objectName);
        QVERIFY2(item, qPrintable(QStringLiteral("no %1 on screen %2").arg(objectName, screen())));
        QVERIFY2(item->isVisible() && item->isEnabled(), qPrintable(objectName + QStringLiteral(" is not clickable")));
        // A screen that has just been loaded is laid out at the next polish.
        QVERIFY(QQuickTest::qWaitForPolish(window_));
        const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
        QTest::mouseClick(window_, Qt::LeftButton, Qt::NoModifier, centre.toPoint());
    }
    // Saves the window as NAME.png; fails when it is blank or the wrong size.
    void shoot(const QString &name) {
        const QImage image = window_->grabWindow();
        QVERIFY2(!image.isNull(), qPrintable(name + QStringLiteral(": grab failed")));
        QCOMPARE(image.size(), size_ * window_->devicePixelRatio());
        // A screen is blank when (almost) every pixel has the same colour:
        // text and controls give both many colours and many pixels.
        const QRgb background = image.pixel(image.width() / 2, image.height() - 2);
        QSet<QRgb> colours;
        qint64 differing = 0, sampled = 0;
        for (int y = 0; y < image.height(); y += 2)
            for (int x = 0; x < image.width(); x += 2, ++sampled) {
                const QRgb c = image.pixel(x, y);
                colours.insert(c);
                if (c != background) ++differing;
            }
        QVERIFY2(colours.size() >= 16 && differing * 100 >= sampled * 2,
                 qPrintable(QStringLiteral("%1 looks blank: %2 colours, %3 of %4 pixels drawn")
                                .arg(name)
                                .arg(colours.size())
                                .arg(differing)
                                .arg(sampled)));
        const QString file = shots_.filePath(name + QStringLiteral(".png"));
        QVERIFY2(image.save(file), qPrintable(file));
        taken_.insert(name);
    }
    void waitForScreen(const QString &name) {
        QTRY_COMPARE_WITH_TIMEOUT(screen(), name, kTimeout);
        QVERIFY(currentScreen());
        QCOMPARE(currentScreen()->objectName(), QStringLiteral("screen_") + name);
    }

private slots:
    void initTestCase() {
        QVERIFY2(QDBusConnection::sessionBus().isConnected(), "run under dbus-run-session");
        QVERIFY(work_.isValid());
        lang_ = qEnvironmentVariable("CONDUIT_HMI_LANG", QStringLiteral("en"));
        const QStringList wh =
            qEnvironmentVariable("CONDUIT_HMI_SIZE", QStringLiteral("1280x720")).split(QLatin1Char('x'));
        QCOMPARE(wh.size(), 2);
        size_ = QSize(wh[0].toInt(), wh[1].toInt());
        shots_.setPath(qEnvironmentVariable("CONDUIT_HMI_SCREENSHOTS", work_.filePath(QStringLiteral("screenshots"))));
        QVERIFY(shots_.removeRecursively() || !shots_.exists());
        QVERIFY(shots_.mkpath(QStringLiteral(".")));

        // The vehicle: trusted roots, three example ECUs, a config.
        QVERIFY(run(QStringLiteral("conduit-repo"),
                    {QStringLiteral("init"), QStringLiteral("--repo"), QStringLiteral("repo"), QStringLiteral("--seed"),
                     QStringLiteral("07")}));
        QDir(work_.path()).mkpath(QStringLiteral("state"));
        QDir(work_.path()).mkpath(QStringLiteral("agent-config"));
        QVERIFY(run(QStringLiteral("conduitctl"),
                    {QStringLiteral("provision"), QStringLiteral("--state"), QStringLiteral("state/trust.json"),
                     QStringLiteral("--director-root"), QStringLiteral("repo/director/metadata/1.root.json"),
                     QStringLiteral("--image-root"), QStringLiteral("repo/image/metadata/1.root.json")}));
        STEP(writeAgentConfig(R"({"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"})"));
        QFile conf(work_.filePath(QStringLiteral("conduit.conf")));
        QVERIFY(conf.open(QIODevice::WriteOnly));
        conf.write("[host]\nstate_dir = state\n[agents]\nconfig_dir = agent-config\ndirs = " CONDUIT_AGENT_DIR
                   "\n[gathering]\nenabled = true\n[vehicle]\nsource = simulation\n");
        conf.close();

        // The HMI, as conduit-hmi starts it; conduitd is not running yet.
        QVERIFY(conduit::hmi::installTranslation(QCoreApplication::instance(), lang_));
        client_ = std::make_unique<HostClient>(HostClient::Bus::Session);
        engine_ = std::make_unique<QQmlApplicationEngine>();
        window_ = conduit::hmi::loadHmi(engine_.get(), client_.get(), size_);
        QVERIFY(window_);
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QCOMPARE(window_->size(), size_);
        root_ = window_->findChild<QQuickItem *>(QStringLiteral("hmiRoot"));
        QVERIFY(root_);

        // Transient screens are grabbed while they show: the download with
        // bytes moving (the latest picture wins; required), and each later
        // step once the HMI has the devices' report for it (best effort:
        // the example ECU installs in milliseconds, a step may be over
        // before its report arrives).
        connect(client_.get(), &HostClient::stateChanged, this,
                [this] { progressShot_ = QStringLiteral("progress-") + client_->state(); });
        connect(client_.get(), &HostClient::progressChanged, this, [this] {
            if (screen() != QLatin1String("progress")) return;
            if (client_->state() == QLatin1String("Downloading")) {
                if (client_->bytesDone() > 0 && client_->bytesDone() < client_->bytesTotal())
                    shoot(QStringLiteral("progress"));
                return;
            }
            // Until the devices' report for the new state arrives, the list
            // still shows the download.
            for (const QVariant &d : client_->devices())
                if (d.toMap().value(QStringLiteral("step")).toString() == QLatin1String("transfer")) return;
            if (!progressShot_.isEmpty() && !taken_.contains(progressShot_)) shoot(progressShot_);
            progressShot_.clear();
        });
    }

    void init() {
        if (broken_) QSKIP("an earlier step failed");
    }
    void cleanup() {
        if (QTest::currentTestFailed()) broken_ = true;
    }

    void cleanupTestCase() {
        if (conduitd_.state() != QProcess::NotRunning) stopHost();
        window_ = nullptr;
        engine_.reset();
        client_.reset();
    }

    void unavailableWithoutHost() {
        STEP(waitForScreen(QStringLiteral("unavailable")));
        QVERIFY(!client_->available());
        STEP(shoot(QStringLiteral("unavailable")));
    }

    void idleWhenHostAppears() {
        STEP(startHost());
        STEP(waitForScreen(QStringLiteral("idle")));
        QCOMPARE(client_->state(), QStringLiteral("Idle"));
        STEP(shoot(QStringLiteral("idle")));
    }

    // Offered, looked at, scheduled, postponed, then accepted by tapping.
    // The driver's data: the privacy screen from idle, a switch that the
    // host obeys, "delete my data" only after the confirmation.
    void privacyInTheHmi() {
        QDBusInterface gathering(kService, kPath, QStringLiteral("io.conduit.Gathering1"));
        auto allowed = [&] { return gathering.property("AllowedClasses").toStringList(); };
        QVERIFY(!allowed().contains(QStringLiteral("camera")));
        QTRY_VERIFY_WITH_TIMEOUT(client_->gatheringAvailable(), kTimeout);
        STEP(click(QStringLiteral("privacyButton")));
        STEP(waitForScreen(QStringLiteral("privacy")));
        QTRY_VERIFY_WITH_TIMEOUT(find(QStringLiteral("cameraConsentSwitch")), kTimeout);
        STEP(shoot(QStringLiteral("privacy")));
        STEP(click(QStringLiteral("cameraConsentSwitch")));
        QTRY_VERIFY_WITH_TIMEOUT(allowed().contains(QStringLiteral("camera")), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(find(QStringLiteral("cameraConsentSwitch"))->property("checked").toBool(), kTimeout);
        STEP(click(QStringLiteral("cameraConsentSwitch")));
        QTRY_VERIFY_WITH_TIMEOUT(!allowed().contains(QStringLiteral("camera")), kTimeout);
        STEP(click(QStringLiteral("deleteMyDataButton")));
        QTRY_VERIFY_WITH_TIMEOUT(find(QStringLiteral("confirmDeleteButton"))->isVisible(), kTimeout);
        STEP(shoot(QStringLiteral("privacy-confirm")));
        QSignalSpy deleted(client_.get(), &HostClient::dataDeleted);
        STEP(click(QStringLiteral("confirmDeleteButton")));
        QVERIFY(deleted.wait(kTimeout) || !deleted.isEmpty());
        QCOMPARE(deleted.first().first().toMap().value(QStringLiteral("classes")).toList().size(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(find(QStringLiteral("privacyNotice"))->isVisible(), kTimeout);
        STEP(click(QStringLiteral("privacyBackButton")));
        STEP(waitForScreen(QStringLiteral("idle")));
    }

    void consentClickedInTheHmi() {
        setGear(127); // in D: the installation will have to wait for P
        // What the driver is told, signed with each of the three targets.
        const QByteArray notesEn = "Smoother braking at low speed; the gateway starts faster.";
        const QByteArray notesDe = "Sanfteres Bremsen bei niedriger Geschwindigkeit; das Gateway startet schneller.";
        for (const auto &[name, text] : {std::pair{"notes-en.txt", notesEn}, std::pair{"notes-de.txt", notesDe}}) {
            QFile f(work_.filePath(QLatin1String(name)));
            QVERIFY(f.open(QIODevice::WriteOnly) && f.write(text) == text.size());
        }
        const QString bundle = release(
            {QStringLiteral("--require-parked"), QStringLiteral("--install-seconds"), QStringLiteral("300"),
             QStringLiteral("--unusable-seconds"), QStringLiteral("240"), QStringLiteral("--release-notes"),
             QStringLiteral("en=") + work_.filePath(QStringLiteral("notes-en.txt")), QStringLiteral("--release-notes"),
             QStringLiteral("de=") + work_.filePath(QStringLiteral("notes-de.txt"))});
        QVERIFY(!bundle.isEmpty());
        installBundle(bundle);
        STEP(waitForScreen(QStringLiteral("available")));
        QCOMPARE(hostState(), QStringLiteral("AwaitingDownloadConsent"));
        STEP(shoot(QStringLiteral("available")));

        STEP(click(QStringLiteral("detailsButton")));
        STEP(waitForScreen(QStringLiteral("details")));
        QTRY_COMPARE_WITH_TIMEOUT(find(QStringLiteral("changesList"))->property("count").toInt(), 3, kTimeout);
        // From the host: the gateway's phase, then both ECUs in parallel;
        // the three targets' identical notes once, in the HMI's language.
        const QObject *flow = currentScreen()->property("flow").value<QObject *>();
        QVERIFY(flow);
        QCOMPARE(flow->property("installSeconds").toInt(), 300 + 300);
        QCOMPARE(flow->property("unusableSeconds").toInt(), 240 + 240);
        QCOMPARE(textOf(QStringLiteral("releaseNotes")),
                 QString::fromUtf8(lang_ == QLatin1String("de") ? notesDe : notesEn));
        STEP(shoot(QStringLiteral("details")));
        STEP(click(QStringLiteral("backButton")));
        STEP(waitForScreen(QStringLiteral("available")));

        STEP(click(QStringLiteral("scheduleButton")));
        STEP(waitForScreen(QStringLiteral("schedule")));
        STEP(shoot(QStringLiteral("schedule")));
        STEP(click(QStringLiteral("backButton")));
        STEP(waitForScreen(QStringLiteral("available")));

        STEP(click(QStringLiteral("laterButton")));
        QTRY_COMPARE_WITH_TIMEOUT(hostState(), QStringLiteral("Postponed"), kTimeout);
        STEP(waitForScreen(QStringLiteral("postponed")));
        STEP(shoot(QStringLiteral("postponed")));

        // Postponed is still answerable: the driver changes their mind.
        STEP(click(QStringLiteral("acceptButton")));
        STEP(waitForScreen(QStringLiteral("installConsent")));
        QCOMPARE(hostState(), QStringLiteral("AwaitingInstallConsent"));
        QVERIFY2(taken_.contains(QStringLiteral("progress")), "the download showed no progress screen with bytes");
        STEP(shoot(QStringLiteral("installConsent")));

        STEP(click(QStringLiteral("acceptButton")));
        STEP(waitForScreen(QStringLiteral("conditions")));
        QCOMPARE(hostState(), QStringLiteral("WaitingForConditions"));
        const QString shift = QCoreApplication::translate("Format", "Shift to P");
        if (lang_ == QLatin1String("de"))
            QVERIFY2(shift != QLatin1String("Shift to P"), "German translation not loaded");
        QTRY_COMPARE_WITH_TIMEOUT(textOf(QStringLiteral("conditionText")), shift, kTimeout);
        STEP(shoot(QStringLiteral("conditions")));

        setGear(126); // P: the installation starts by itself
        STEP(waitForScreen(QStringLiteral("result")));
        QCOMPARE(root_->property("flow")
                     .value<QObject *>()
                     ->property("result")
                     .toMap()
                     .value(QStringLiteral("outcome"))
                     .toString(),
                 QStringLiteral("success"));
        STEP(shoot(QStringLiteral("result-success")));

        STEP(click(QStringLiteral("historyButton")));
        STEP(waitForScreen(QStringLiteral("history")));
        const QJsonArray history =
            QJsonDocument::fromJson(host(QStringLiteral("GetHistory")).arguments().value(0).toString().toUtf8())
                .array();
        QCOMPARE(history.first().toObject().value(QLatin1String("outcome")).toString(), QStringLiteral("success"));
        QTRY_COMPARE_WITH_TIMEOUT(find(QStringLiteral("historyList"))->property("count").toInt(), int(history.size()),
                                  kTimeout);
        STEP(shoot(QStringLiteral("history")));
        STEP(click(QStringLiteral("backButton")));
        STEP(waitForScreen(QStringLiteral("result")));
        STEP(click(QStringLiteral("dismissButton")));
        STEP(waitForScreen(QStringLiteral("idle")));
    }

    // conduitd goes away and comes back (here with an ECU that will fail):
    // the HMI says the service is unavailable, then reads everything again.
    void recoversWhenHostRestarts() {
        STEP(stopHost());
        STEP(waitForScreen(QStringLiteral("unavailable")));
        STEP(writeAgentConfig(R"({"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake", "fail_at": "ecu-2:activate"})"));
        STEP(startHost());
        STEP(waitForScreen(QStringLiteral("idle")));
        QTRY_COMPARE_WITH_TIMEOUT(client_->history().size(), 1, kTimeout);
        QCOMPARE(client_->history().first().toMap().value(QStringLiteral("outcome")).toString(),
                 QStringLiteral("success"));
    }

    void rollbackExplained() {
        const QString bundle = release({});
        QVERIFY(!bundle.isEmpty());
        installBundle(bundle);
        STEP(waitForScreen(QStringLiteral("available")));
        STEP(click(QStringLiteral("acceptButton")));
        STEP(waitForScreen(QStringLiteral("installConsent")));
        STEP(click(QStringLiteral("acceptButton")));
        STEP(waitForScreen(QStringLiteral("result")));
        const QVariantMap result = root_->property("flow").value<QObject *>()->property("result").toMap();
        QCOMPARE(result.value(QStringLiteral("outcome")).toString(), QStringLiteral("rolled-back"));
        QQuickItem *reason = find(QStringLiteral("resultReason"));
        QVERIFY(reason && reason->isVisible());
        QVERIFY2(reason->property("value").toString().contains(QLatin1String("ecu-2")),
                 qPrintable(reason->property("value").toString()));
        // The driver reads what happened in the HMI's language, from the
        // host's structured failure; the text above is for the workshop.
        QCOMPARE(result.value(QStringLiteral("failure_kind")).toString(), QStringLiteral("device-error"));
        const QString activating =
            QCoreApplication::translate("Format", "activating the new software", "failed step: completes 'while %1'");
        if (lang_ == QLatin1String("de"))
            QVERIFY2(activating != QLatin1String("activating the new software"), "German translation not loaded");
        QCOMPARE(textOf(QStringLiteral("resultFailure")),
                 QCoreApplication::translate("Format", "Device %1 reported an error while %2.")
                     .arg(QStringLiteral("ecu-2"), activating));
        STEP(shoot(QStringLiteral("result-rolled-back")));
        // The vehicle agrees: every device back on the last good release.
        const QString inventory = host(QStringLiteral("GetInventory")).arguments().value(0).toString();
        QVERIFY2(inventory.contains(QLatin1String("\"version\":\"ecu-2-2.img\"")), qPrintable(inventory));
    }

    void everyScreenCaptured() {
        const QStringList expected = {
            QStringLiteral("unavailable"),    QStringLiteral("idle"),           QStringLiteral("available"),
            QStringLiteral("details"),        QStringLiteral("schedule"),       QStringLiteral("postponed"),
            QStringLiteral("progress"),       QStringLiteral("installConsent"), QStringLiteral("conditions"),
            QStringLiteral("result-success"), QStringLiteral("history"),        QStringLiteral("result-rolled-back"),
            QStringLiteral("privacy"),        QStringLiteral("privacy-confirm")};
        for (const QString &name : expected)
            QVERIFY2(QFileInfo(shots_.filePath(name + QStringLiteral(".png"))).size() > 0,
                     qPrintable(name + QStringLiteral(".png missing")));
        qInfo().noquote() << "screenshots in" << shots_.absolutePath();
    }
};

QTEST_MAIN(TestHmiE2e)
#include "tst_hmi_e2e.moc"
