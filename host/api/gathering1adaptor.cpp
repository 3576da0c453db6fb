#include "gathering1adaptor.h"

#include "gatheringjson.h"

#include "gathering/service/gatheringservice.h"

#include <QDBusMessage>
#include <QJsonDocument>

namespace conduit::api {

using namespace gathering;

namespace {

const QString kErrorPrefix = QStringLiteral("io.conduit.Gathering1.Error.");

template <typename J>
QString json(const J &j) {
    return QString::fromUtf8(QJsonDocument(j).toJson(QJsonDocument::Compact));
}

QString classList() {
    QStringList names;
    for (DataClass c : kDataClasses) names << nameOf(c);
    return names.join(QStringLiteral(", "));
}

} // namespace

Gathering1Adaptor::Gathering1Adaptor(BusObject *parent, GatheringService *service, QDBusConnection bus)
    : QDBusAbstractAdaptor(parent), service_(service), bus_(std::move(bus)) {
    setAutoRelaySignals(false);
    auto allowedChanged = [this] {
        QDBusMessage signal = QDBusMessage::createSignal(QLatin1String(Host1Adaptor::kPath),
                                                         QStringLiteral("org.freedesktop.DBus.Properties"),
                                                         QStringLiteral("PropertiesChanged"));
        signal << QString::fromLatin1(kInterface) << QVariantMap{{QStringLiteral("AllowedClasses"), allowedClasses()}}
               << QStringList();
        bus_.send(signal);
    };
    connect(service_, &GatheringService::consentChanged, this, [this, allowedChanged](DataClass c, bool allowed) {
        emit ConsentChanged(nameOf(c), allowed);
        allowedChanged();
    });
    connect(service_, &GatheringService::dataDeleted, this,
            [this](const QList<DataClass> &classes, qint64 items, qint64 bytes) {
                emit DataDeleted(json(removalJson(classes, items, bytes)));
            });
    connect(service_, &GatheringService::campaignsChanged, this, [this] { emit CampaignsChanged(); });
    // Frames arrive many times a second: the signal is coalesced.
    usageTimer_.setInterval(500);
    connect(&usageTimer_, &QTimer::timeout, this, [this] {
        if (!usageDirty_) return usageTimer_.stop();
        usageDirty_ = false;
        emit UsageChanged();
    });
    connect(service_, &GatheringService::usageChanged, this, [this] {
        if (usageTimer_.isActive()) {
            usageDirty_ = true;
            return;
        }
        emit UsageChanged();
        usageTimer_.start();
    });
}

QStringList Gathering1Adaptor::allowedClasses() const {
    QStringList out;
    for (const auto &[c, allowed] : service_->consent().all())
        if (allowed) out << nameOf(c);
    return out;
}

QStringList Gathering1Adaptor::personalClasses() const {
    QStringList out;
    for (DataClass c : kDataClasses)
        if (ConsentBook::personal(c)) out << nameOf(c);
    return out;
}

void Gathering1Adaptor::fail(const QString &name, const QString &message) {
    ctx()->sendErrorReply(kErrorPrefix + name, message);
}

QString Gathering1Adaptor::GetConsent() { return json(consentJson(*service_)); }

QString Gathering1Adaptor::GetUsage() {
    Usage u;
    QString error;
    if (!service_->usage(&u, &error)) {
        fail(QStringLiteral("Failed"), error);
        return {};
    }
    return json(usageJson(*service_, u));
}

QString Gathering1Adaptor::GetCampaigns() { return json(campaignsJson(*service_)); }

QString Gathering1Adaptor::SetConsent(const QString &dataClass, bool allowed) {
    const auto c = dataClassFromName(dataClass);
    if (!c) {
        fail(QStringLiteral("InvalidArgument"),
             QStringLiteral("unknown data class \"%1\" (one of %2)").arg(dataClass.left(64), classList()));
        return {};
    }
    Removal removed;
    QString error;
    if (!service_->setConsent(*c, allowed, &removed, &error)) {
        fail(QStringLiteral("Failed"), error);
        return {};
    }
    return json(removalJson(allowed ? QList<DataClass>{} : QList<DataClass>{*c}, removed.items, removed.bytes));
}

QString Gathering1Adaptor::DeleteMyData(const QString &scope) {
    DeletionScope s;
    if (scope == QLatin1String("personal"))
        s = DeletionScope::Personal;
    else if (scope == QLatin1String("all"))
        s = DeletionScope::All;
    else {
        fail(QStringLiteral("InvalidArgument"), QStringLiteral("scope must be \"personal\" or \"all\""));
        return {};
    }
    Deletion d;
    QString error;
    if (!service_->deleteMyData(s, &d, &error)) {
        fail(QStringLiteral("Failed"), error);
        return {};
    }
    return json(removalJson(d.classes, d.removed.items, d.removed.bytes));
}

} // namespace conduit::api
