// io.conduit.Gathering1 on /io/conduit/Host (name io.conduit.Host), beside
// io.conduit.Host1 (docs/dbus-api.md, "Data gathering"): the driver's
// consent per data class, "delete my data", store usage, the campaigns that
// collect. Present when conduitd runs with [gathering] enabled = true. Who
// may call what is the bus policy's (data/dbus/io.conduit.Host.conf): the
// setters and DeleteMyData only root and the HMI's group, reads everyone.
#pragma once

#include "host1adaptor.h"

#include "gathering/item.h"

#include <QDBusAbstractAdaptor>
#include <QTimer>

namespace conduit::gathering {
class GatheringService;
}

namespace conduit::api {

class Gathering1Adaptor : public QDBusAbstractAdaptor {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "io.conduit.Gathering1")
    // Data classes the driver allows, and those that are personal data.
    Q_PROPERTY(QStringList AllowedClasses READ allowedClasses)
    Q_PROPERTY(QStringList PersonalClasses READ personalClasses)

public:
    static constexpr const char *kInterface = "io.conduit.Gathering1";

    Gathering1Adaptor(BusObject *parent, gathering::GatheringService *service, QDBusConnection bus);

    QStringList allowedClasses() const;
    QStringList personalClasses() const;

public slots:
    // JSON documents (schemas in docs/dbus-api.md).
    QString GetConsent();
    QString GetUsage();
    QString GetCampaigns();
    // class: a data class name (telemetry, location, camera, diagnostics,
    // logs). Refusing deletes what is stored of it; returns the removal JSON.
    QString SetConsent(const QString &dataClass, bool allowed);
    // scope: "personal" (location, camera) or "all".
    QString DeleteMyData(const QString &scope);

signals:
    void ConsentChanged(const QString &dataClass, bool allowed);
    void DataDeleted(const QString &removalJson);
    void CampaignsChanged();
    // The usage figures moved; at most 2 per second (read GetUsage).
    void UsageChanged();

private:
    void fail(const QString &name, const QString &message);
    QDBusContext *ctx() const { return static_cast<BusObject *>(parent()); }

    gathering::GatheringService *service_;
    QDBusConnection bus_;
    QTimer usageTimer_;
    bool usageDirty_ = false;
};

} // namespace conduit::api
