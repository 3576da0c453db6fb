// The control API on D-Bus (docs/dbus-api.md): io.conduit.Host1 at
// /io/conduit/Host, name io.conduit.Host. What the HMI, conduitctl and the
// platform use: campaign state and progress as properties (with
// PropertiesChanged, so nobody polls), consent, cancel, history, inventory
// and the vehicle-state simulation. Who may call what is decided by the bus
// policy (data/dbus/io.conduit.Host.conf), not here.
#pragma once

#include "hostactions.h"

#include <QDBusAbstractAdaptor>
#include <QDBusConnection>
#include <QDBusContext>
#include <QDBusUnixFileDescriptor>
#include <QStringList>
#include <QTimer>
#include <QVariantMap>

namespace conduit::core {
class CampaignEngine;
class DeviceGateway;
class VehicleState;
class VehicleSignalProvider;
} // namespace conduit::core

namespace conduit::agents {
class AgentRegistry;
} // namespace conduit::agents

namespace conduit::upstream {
class DdiClient;
}

namespace conduit::api {

// The object conduitd registers at kPath; Host1Adaptor is its
// io.conduit.Host1 interface. Qt sets the D-Bus call context on the object
// (not on its adaptor), so it carries QDBusContext for the adaptor to use.
class BusObject : public QObject, public QDBusContext {
    Q_OBJECT
public:
    using QObject::QObject;
};

// The parts of the host the control API reads and drives. All but `fleet`
// are required; each outlives the adaptor.
struct ControlParts {
    core::CampaignEngine *campaigns = nullptr;            // state, progress, consent, cancel, history
    core::DeviceGateway *devices = nullptr;               // GetInventory
    core::VehicleState *vehicle = nullptr;                // GetVehicleState
    core::VehicleSignalProvider *vehicleSource = nullptr; // SetVehicleSignal (only the simulation takes it)
    upstream::DdiClient *fleet = nullptr;                 // the Upstream property; null without a fleet server
    HostActions *host = nullptr;                          // SetAutoConsent, InstallBundle
    QDBusConnection bus{QString()};                       // where PropertiesChanged goes
    const agents::AgentRegistry *agents = nullptr;        // GetInventory's "agents": what each may touch
};

// The adaptor implementing io.conduit.Host1 on a BusObject: it translates
// between the bus and the host's parts, the work stays in them.
class Host1Adaptor : public QDBusAbstractAdaptor {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "io.conduit.Host1")
    Q_PROPERTY(QString State READ state)
    Q_PROPERTY(QString CampaignId READ campaignId)
    Q_PROPERTY(QString CampaignName READ campaignName)
    Q_PROPERTY(int Phase READ phase)
    Q_PROPERTY(qulonglong BytesDone READ bytesDone)
    Q_PROPERTY(qulonglong BytesTotal READ bytesTotal)
    Q_PROPERTY(int EtaSeconds READ etaSeconds)
    Q_PROPERTY(QStringList UnmetConditions READ unmetConditions)
    Q_PROPERTY(QString PendingConsent READ pendingConsent)
    Q_PROPERTY(bool AutoConsent READ autoConsent)
    Q_PROPERTY(QString Version READ version)
    // The fleet server as the host sees it: "" (none configured), "ok"
    // (the last poll succeeded) or "error: <why>" (wrong token, certificate
    // refused, server unreachable, ...).
    Q_PROPERTY(QString Upstream READ upstream)

public:
    static constexpr const char *kService = "io.conduit.Host";
    static constexpr const char *kPath = "/io/conduit/Host";
    static constexpr const char *kInterface = "io.conduit.Host1";
    // A Cancel reason is cut to this many Unicode code points (docs/dbus-api.md).
    static constexpr qsizetype kMaxReasonCodePoints = 256;

    // `parent` is the object registered at kPath.
    Host1Adaptor(BusObject *parent, ControlParts parts);

    QString state() const;
    QString campaignId() const;
    QString campaignName() const;
    int phase() const;
    qulonglong bytesDone() const;
    qulonglong bytesTotal() const;
    int etaSeconds() const;
    QStringList unmetConditions() const;
    QString pendingConsent() const;
    bool autoConsent() const;
    QString version() const;
    QString upstream() const { return upstream_; }

public slots:
    // kind: "download" or "install"
    void Accept(const QString &kind);
    void Decline(const QString &kind);
    void Postpone(const QString &kind, qlonglong untilUnixSeconds);
    void Cancel(const QString &reason);
    void SetAutoConsent(bool enabled);
    // JSON documents (schemas in docs/dbus-api.md)
    QString GetCampaign();
    QString GetHistory();
    QString GetInventory(); // asynchronous reply
    QString GetVehicleState();
    void SetVehicleSignal(const QString &signal, const QString &value);
    void InstallBundle(const QString &path); // asynchronous reply
    // The caller opens the bundle (with its own rights); asynchronous reply.
    void InstallBundleFd(const QDBusUnixFileDescriptor &bundle);

signals:
    void StateChanged(const QString &state);
    void ConsentRequested(const QString &kind, const QString &campaignJson);
    void ConditionsChanged(const QStringList &unmet);
    // A vehicle condition broke while a phase installs; `action` is the
    // signed on_condition_break rule applied: pause, continue or rollback.
    void ConditionBreak(const QStringList &unmet, const QString &action);
    // Rate-limited (at most 4 per second).
    void Progress(qulonglong bytesDone, qulonglong bytesTotal, int etaSeconds, const QString &devicesJson);
    void CampaignFinished(const QString &resultJson);

private:
    void propertiesChanged(const QStringList &names);
    void fail(const QString &name, const QString &message);
    QDBusContext *ctx() const { return static_cast<BusObject *>(parent()); }
    void publishProgress();

    ControlParts parts_;
    QString pendingConsent_;
    QString upstream_;
    QTimer progressTimer_;
    bool progressDirty_ = false;
    // conduit.api.timing only: CLOCK_MONOTONIC ns of the first and the last
    // engine change since the last Progress signal, and its sequence number.
    qint64 firstChangeNs_ = 0, lastChangeNs_ = 0;
    quint64 progressSeq_ = 0;
};

} // namespace conduit::api
