#include "hostclient.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHmiBus, "conduit.hmi.bus")

namespace conduit::hmi {

namespace {

const QString kService = QStringLiteral("io.conduit.Host");
const QString kPath = QStringLiteral("/io/conduit/Host");
const QString kIface = QStringLiteral("io.conduit.Host1");
const QString kGathering = QStringLiteral("io.conduit.Gathering1");
const QString kProperties = QStringLiteral("org.freedesktop.DBus.Properties");

QVariant parseJson(const QString &json) { return QJsonDocument::fromJson(json.toUtf8()).toVariant(); }

// `as` inside a variant may arrive still marshalled.
QStringList toStringList(const QVariant &v) {
    if (v.canConvert<QDBusArgument>()) return qdbus_cast<QStringList>(v.value<QDBusArgument>());
    return v.toStringList();
}

} // namespace

HostClient::HostClient(Bus bus, QObject *parent)
    : QObject(parent), bus_(bus == Bus::System ? QDBusConnection::systemBus() : QDBusConnection::sessionBus()) {
    if (!bus_.isConnected()) {
        qCWarning(lcHmiBus).noquote() << "not connected to the" << (bus == Bus::System ? "system" : "session")
                                      << "bus:" << bus_.lastError().message();
        return;
    }
    watcher_ = new QDBusServiceWatcher(kService, bus_, QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(watcher_, &QDBusServiceWatcher::serviceRegistered, this, [this] {
        qCInfo(lcHmiBus) << "update service appeared";
        refresh();
    });
    connect(watcher_, &QDBusServiceWatcher::serviceUnregistered, this, [this] {
        qCInfo(lcHmiBus) << "update service went away";
        setAvailable(false);
    });
    subscribe();
    refresh();
}

void HostClient::subscribe() {
    // Match rules name the well-known service: QtDBus follows its owner, so
    // these survive a restart of conduitd.
    bus_.connect(kService, kPath, kProperties, QStringLiteral("PropertiesChanged"), this,
                 SLOT(onPropertiesChanged(QString, QVariantMap, QStringList)));
    bus_.connect(kService, kPath, kIface, QStringLiteral("StateChanged"), this, SLOT(onStateChanged(QString)));
    bus_.connect(kService, kPath, kIface, QStringLiteral("ConsentRequested"), this,
                 SLOT(onConsentRequested(QString, QString)));
    bus_.connect(kService, kPath, kIface, QStringLiteral("ConditionsChanged"), this,
                 SLOT(onConditionsChanged(QStringList)));
    bus_.connect(kService, kPath, kIface, QStringLiteral("Progress"), this,
                 SLOT(onProgress(qulonglong, qulonglong, int, QString)));
    bus_.connect(kService, kPath, kIface, QStringLiteral("CampaignFinished"), this, SLOT(onCampaignFinished(QString)));
    bus_.connect(kService, kPath, kGathering, QStringLiteral("ConsentChanged"), this, SLOT(onPrivacySignal()));
    bus_.connect(kService, kPath, kGathering, QStringLiteral("CampaignsChanged"), this, SLOT(onPrivacySignal()));
    bus_.connect(kService, kPath, kGathering, QStringLiteral("DataDeleted"), this, SLOT(onDataDeleted(QString)));
}

void HostClient::setAvailable(bool on) {
    if (!on) {
        ++generation_;
        clear();
    }
    if (on == available_) return;
    available_ = on;
    emit availableChanged();
}

void HostClient::clear() {
    state_.clear();
    campaignName_.clear();
    phase_ = -1;
    bytesDone_ = bytesTotal_ = 0;
    etaSeconds_ = -1;
    devices_.clear();
    unmet_.clear();
    pendingConsent_.clear();
    campaign_.clear();
    gatheringAvailable_ = false;
    dataClasses_.clear();
    gatheringCampaigns_.clear();
    emit privacyChanged();
    emit stateChanged();
    emit campaignChanged();
    emit phaseChanged();
    emit progressChanged();
    emit unmetConditionsChanged();
    emit pendingConsentChanged();
}

void HostClient::refresh() {
    if (!bus_.isConnected()) return;
    QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kProperties, QStringLiteral("GetAll"));
    m << kIface;
    auto *w = new QDBusPendingCallWatcher(bus_.asyncCall(m), this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this, w, gen = generation_] {
        w->deleteLater();
        QDBusPendingReply<QVariantMap> reply = *w;
        if (gen != generation_) return;
        if (reply.isError()) {
            // Not running (yet): the watcher re-reads when it appears.
            qCInfo(lcHmiBus).noquote() << "update service unavailable:" << reply.error().message();
            setAvailable(false);
            return;
        }
        applyProperties(reply.value());
        setAvailable(true);
        readCampaign();
        readInventory();
        refreshHistory();
        refreshPrivacy();
        if (!pendingConsent_.isEmpty()) emit consentRequested(pendingConsent_);
    });
}

void HostClient::applyProperties(const QVariantMap &props) {
    auto has = [&props](const char *name) { return props.contains(QLatin1String(name)); };
    auto get = [&props](const char *name) { return props.value(QLatin1String(name)); };
    if (has("State") && get("State").toString() != state_) {
        state_ = get("State").toString();
        emit stateChanged();
    }
    if (has("CampaignName") && get("CampaignName").toString() != campaignName_) {
        campaignName_ = get("CampaignName").toString();
        emit campaignChanged();
    }
    if (has("Phase") && get("Phase").toInt() != phase_) {
        phase_ = get("Phase").toInt();
        emit phaseChanged();
    }
    bool progress = false;
    if (has("BytesDone")) {
        bytesDone_ = get("BytesDone").toDouble();
        progress = true;
    }
    if (has("BytesTotal")) {
        bytesTotal_ = get("BytesTotal").toDouble();
        progress = true;
    }
    if (has("EtaSeconds")) {
        etaSeconds_ = get("EtaSeconds").toInt();
        progress = true;
    }
    if (progress) emit progressChanged();
    if (has("UnmetConditions")) onConditionsChanged(toStringList(get("UnmetConditions")));
    if (has("PendingConsent") && get("PendingConsent").toString() != pendingConsent_) {
        pendingConsent_ = get("PendingConsent").toString();
        emit pendingConsentChanged();
    }
    if (has("AutoConsent") && get("AutoConsent").toBool() != autoConsent_) {
        autoConsent_ = get("AutoConsent").toBool();
        emit autoConsentChanged();
    }
}

void HostClient::onPropertiesChanged(const QString &iface, const QVariantMap &changed, const QStringList &invalidated) {
    if (iface == kGathering) return refreshPrivacy();
    if (iface != kIface) return;
    const QString before = campaignId();
    applyProperties(changed);
    if (!invalidated.isEmpty()) refresh();
    if (changed.contains(QStringLiteral("CampaignId")) &&
        changed.value(QStringLiteral("CampaignId")).toString() != before)
        readCampaign();
}

void HostClient::onStateChanged(const QString &state) {
    if (state != state_) {
        state_ = state;
        emit stateChanged();
    }
    if (state == QLatin1String("Idle")) {
        if (!campaign_.isEmpty() || !devices_.isEmpty()) {
            campaign_.clear();
            devices_.clear();
            bytesDone_ = bytesTotal_ = 0;
            etaSeconds_ = -1;
            emit campaignChanged();
            emit progressChanged();
        }
        return;
    }
    // The campaign's per-device steps move with the state.
    readCampaign();
}

void HostClient::onConsentRequested(const QString &kind, const QString &campaignJson) {
    setCampaignJson(campaignJson);
    if (kind != pendingConsent_) {
        pendingConsent_ = kind;
        emit pendingConsentChanged();
    }
    emit consentRequested(kind);
}

void HostClient::onConditionsChanged(const QStringList &unmet) {
    if (unmet == unmet_) return;
    unmet_ = unmet;
    emit unmetConditionsChanged();
}

void HostClient::onProgress(qulonglong done, qulonglong total, int eta, const QString &devicesJson) {
    bytesDone_ = double(done);
    bytesTotal_ = double(total);
    etaSeconds_ = eta;
    devices_ = parseJson(devicesJson).toList();
    emit progressChanged();
}

void HostClient::onCampaignFinished(const QString &resultJson) {
    emit campaignFinished(parseJson(resultJson).toMap());
    refreshHistory();
    readInventory();
}

void HostClient::setCampaignJson(const QString &json) {
    const QVariantMap c = parseJson(json).toMap();
    const bool newCampaign = c.value(QStringLiteral("id")) != campaign_.value(QStringLiteral("id"));
    campaign_ = c;
    if (c.contains(QStringLiteral("devices"))) {
        devices_ = c.value(QStringLiteral("devices")).toList();
        emit progressChanged();
    }
    if (c.contains(QStringLiteral("name")) && c.value(QStringLiteral("name")).toString() != campaignName_)
        campaignName_ = c.value(QStringLiteral("name")).toString();
    emit campaignChanged();
    if (newCampaign) readInventory(); // "from" versions for the details screen
}

void HostClient::readCampaign() {
    call(QStringLiteral("GetCampaign"), {}, [this](const QVariant &v) { setCampaignJson(v.toString()); });
}

void HostClient::readInventory() {
    call(QStringLiteral("GetInventory"), {}, [this](const QVariant &v) {
        inventory_ = parseJson(v.toString()).toMap().value(QStringLiteral("devices")).toList();
        emit inventoryChanged();
    });
}

void HostClient::refreshHistory() {
    call(QStringLiteral("GetHistory"), {}, [this](const QVariant &v) {
        history_ = parseJson(v.toString()).toList();
        emit historyChanged();
    });
}

void HostClient::accept(const QString &kind) { call(QStringLiteral("Accept"), {kind}); }
void HostClient::decline(const QString &kind) { call(QStringLiteral("Decline"), {kind}); }
void HostClient::postpone(const QString &kind, double untilUnixSeconds) {
    call(QStringLiteral("Postpone"), {kind, QVariant::fromValue(qlonglong(untilUnixSeconds))});
}
void HostClient::cancel(const QString &reason) { call(QStringLiteral("Cancel"), {reason}); }
void HostClient::setAutoConsent(bool enabled) { call(QStringLiteral("SetAutoConsent"), {enabled}); }

void HostClient::refreshPrivacy() {
    // A host without data gathering has no io.conduit.Gathering1: no
    // privacy screen, and nothing to report to the driver.
    auto absent = [this](const QDBusMessage &reply) {
        qCInfo(lcHmiBus).noquote() << "no data gathering:" << reply.errorMessage();
        if (!gatheringAvailable_) return;
        gatheringAvailable_ = false;
        dataClasses_.clear();
        gatheringCampaigns_.clear();
        emit privacyChanged();
    };
    call(
        kGathering, QStringLiteral("GetConsent"), {},
        [this, absent](const QVariant &consent) {
            call(
                kGathering, QStringLiteral("GetCampaigns"), {},
                [this, consent](const QVariant &campaigns) {
                    gatheringAvailable_ = true;
                    dataClasses_ = parseJson(consent.toString()).toList();
                    gatheringCampaigns_ = parseJson(campaigns.toString()).toList();
                    emit privacyChanged();
                },
                absent);
        },
        absent);
}

void HostClient::setDataConsent(const QString &dataClass, bool allowed) {
    call(kGathering, QStringLiteral("SetConsent"), {dataClass, allowed}, [this](const QVariant &) { refreshPrivacy(); },
         {});
}

void HostClient::deleteMyData(const QString &scope) {
    call(kGathering, QStringLiteral("DeleteMyData"), {scope}, {}, {});
}

void HostClient::onDataDeleted(const QString &removalJson) { emit dataDeleted(parseJson(removalJson).toMap()); }

void HostClient::call(const QString &method, const QVariantList &args, std::function<void(const QVariant &)> then) {
    call(kIface, method, args, std::move(then), {});
}

void HostClient::call(const QString &iface, const QString &method, const QVariantList &args,
                      std::function<void(const QVariant &)> then, std::function<void(const QDBusMessage &)> failed) {
    if (!bus_.isConnected()) {
        emit callFailed(method, QStringLiteral("org.freedesktop.DBus.Error.Disconnected"),
                        QStringLiteral("no bus connection"));
        return;
    }
    QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, iface, method);
    m.setArguments(args);
    auto *w = new QDBusPendingCallWatcher(bus_.asyncCall(m), this);
    connect(w, &QDBusPendingCallWatcher::finished, this,
            [this, w, method, then = std::move(then), failed = std::move(failed), gen = generation_] {
                w->deleteLater();
                const QDBusMessage reply = w->reply();
                if (gen != generation_) return;
                if (reply.type() == QDBusMessage::ErrorMessage) {
                    if (failed) return failed(reply);
                    qCWarning(lcHmiBus).noquote() << method << "failed:" << reply.errorName() << reply.errorMessage();
                    emit callFailed(method, reply.errorName(), reply.errorMessage());
                    return;
                }
                if (then) then(reply.arguments().value(0));
            });
}

} // namespace conduit::hmi
