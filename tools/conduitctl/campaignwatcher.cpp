#include "campaignwatcher.h"

#include "hostbus.h"
#include "text/untrustedtext.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusServiceWatcher>
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>
#include <unistd.h>

namespace conduit::ctl {

bool CampaignWatcher::attach(QDBusInterface &host, bool json, bool outliveHost) {
    host_ = &host;
    outliveHost_ = outliveHost;
    json_ = json;
    tty_ = !json && ::isatty(STDOUT_FILENO);
    QDBusConnection bus = host.connection();
    const QString s = host.service(), p = host.path(), i = host.interface();
    auto *names = new QDBusServiceWatcher(s, bus, QDBusServiceWatcher::WatchForUnregistration, this);
    connect(names, &QDBusServiceWatcher::serviceUnregistered, this, &CampaignWatcher::onHostGone);
    const bool subscribed =
        bus.connect(s, p, i, QStringLiteral("StateChanged"), this, SLOT(onState(QString))) &&
        bus.connect(s, p, i, QStringLiteral("Progress"), this,
                    SLOT(onProgress(qulonglong, qulonglong, int, QString))) &&
        bus.connect(s, p, i, QStringLiteral("ConsentRequested"), this, SLOT(onConsent(QString, QString))) &&
        bus.connect(s, p, i, QStringLiteral("ConditionsChanged"), this, SLOT(onConditions(QStringList))) &&
        bus.connect(s, p, i, QStringLiteral("CampaignFinished"), this, SLOT(onFinished(QString)));
    // The bus answers in order: a host that left before the watch was set
    // up is seen here, one that leaves later by the watcher.
    if (subscribed && !bus.interface()->isServiceRegistered(s).value())
        QMetaObject::invokeMethod(this, &CampaignWatcher::onHostGone, Qt::QueuedConnection);
    return subscribed;
}

void CampaignWatcher::onHostGone() {
    if (outliveHost_) { // its signals come back with the next conduitd
        endBar();
        if (json_)
            std::printf("{\"event\":\"host-lost\"}\n");
        else
            std::fprintf(stderr, "conduitctl: conduitd left the bus; waiting for it to come back\n");
        std::fflush(stdout);
        return;
    }
    if (hostLost_) return;
    hostLost_ = true;
    endBar();
    std::fflush(stdout);
    emit done();
}

QString CampaignWatcher::lastKnown() const {
    return QStringLiteral("state %1, %2")
        .arg(knownState_.isEmpty() ? QStringLiteral("unknown") : knownState_,
             knownCampaign_.isEmpty() ? QStringLiteral("no campaign")
                                      : QStringLiteral("campaign %1").arg(knownCampaign_));
}

void CampaignWatcher::endBar() {
    if (barShown_) std::printf("\n");
    barShown_ = false;
}

void CampaignWatcher::onState(const QString &state) {
    if (state != knownState_ && !state.isEmpty()) {
        knownState_ = state;
        // Read once per state change, kept for the error if the host dies.
        const QString id = host_ ? host_->property("CampaignId").toString() : QString();
        if (!id.isEmpty()) {
            const QString name = host_->property("CampaignName").toString();
            knownCampaign_ = name.isEmpty() || name == id ? id : QStringLiteral("%1 (%2)").arg(name, id);
        }
    }
    if (state == QLatin1String("Idle") || state == lastState_) return;
    lastState_ = state;
    // A question is shown once until it is answered: the state that asks it
    // (Awaiting…Consent) can arrive after the question itself when the
    // watcher starts from the current state, and must not show it again.
    // Any other state means it was answered (or postponed): the next one is new.
    if (!state.endsWith(QLatin1String("Consent"))) lastConsent_.clear();
    if (json_) {
        std::printf("{\"event\":\"state\",\"state\":\"%s\"}\n", qPrintable(state));
    } else {
        endBar();
        std::printf("state: %s\n", conduit_printable(state));
    }
    std::fflush(stdout);
}

void CampaignWatcher::onProgress(qulonglong done, qulonglong total, int eta, const QString &devicesJson) {
    if (json_) {
        std::printf("{\"event\":\"progress\",\"done\":%llu,\"total\":%llu,\"eta\":%d,\"devices\":%s}\n", done, total,
                    eta, qPrintable(devicesJson));
    } else {
        const int width = 30;
        const int filled = total ? int(double(done) / double(total) * width) : 0;
        const QString bar = QString(filled, QLatin1Char('#')) + QString(width - filled, QLatin1Char('.'));
        const QString line = QStringLiteral("[%1] %2% %3 of %4%5")
                                 .arg(bar)
                                 .arg(total ? int(100.0 * double(done) / double(total)) : 0)
                                 .arg(humanBytes(done), humanBytes(total),
                                      eta >= 0 ? QStringLiteral(", %1 s left").arg(eta) : QString());
        if (tty_) {
            std::printf("\r%s\033[K", conduit_printable(line));
            barShown_ = true;
        } else {
            std::printf("%s\n", conduit_printable(line));
        }
    }
    std::fflush(stdout);
}

void CampaignWatcher::onConsent(const QString &kind, const QString &campaignJson) {
    if (kind == lastConsent_) return;
    lastConsent_ = kind;
    if (json_) {
        std::printf("{\"event\":\"consent\",\"kind\":\"%s\",\"campaign\":%s}\n", qPrintable(kind),
                    qPrintable(campaignJson));
    } else {
        endBar();
        std::printf("consent needed: %s  (conduitctl consent accept|decline|postpone)\n", conduit_printable(kind));
    }
    std::fflush(stdout);
}

void CampaignWatcher::onConditions(const QStringList &unmet) {
    if (json_) {
        std::printf("{\"event\":\"conditions\",\"unmet\":%s}\n",
                    QJsonDocument(QJsonArray::fromStringList(unmet)).toJson(QJsonDocument::Compact).constData());
    } else {
        endBar();
        for (const QString &u : unmet) std::printf("waiting: %s\n", conduit_printable(u));
    }
    std::fflush(stdout);
}

void CampaignWatcher::onFinished(const QString &resultJson) {
    const QJsonObject r = QJsonDocument::fromJson(resultJson.toUtf8()).object();
    outcome_ = r.value(QLatin1String("outcome")).toString();
    lastState_.clear();
    if (json_) {
        std::printf("{\"event\":\"finished\",\"result\":%s}\n", qPrintable(resultJson));
    } else {
        endBar();
        const QString reason = r.value(QLatin1String("reason")).toString();
        std::printf("result: %s%s%s\n", conduit_printable(outcome_), reason.isEmpty() ? "" : " - ",
                    conduit_printable(reason));
    }
    std::fflush(stdout);
    emit done();
}

} // namespace conduit::ctl
