// The assembled host: agents, the campaign engine with its journal and
// history, the vehicle state, and the trusted state for verification.
// conduitd's modes (daemon, --install, --inventory) all run on it.
#pragma once

#include "hostconfig.h"

#include "api/hostactions.h"
#include "registrygateway.h"

#include "core/campaignengine.h"

#include <QDBusConnection>

#include <memory>

class QNetworkAccessManager;

namespace conduit::upstream {
class DdiConnector;
}

namespace conduit::gathering {
class GatheringService;
}

namespace conduit::daemon {

class RegistryCapture;
class GatheringWiring;

class Host : public QObject, public api::HostActions {
    Q_OBJECT
public:
    explicit Host(HostConfig config, QObject *parent = nullptr);
    ~Host() override;

    // Starts the agents and replays the journal (finishing or undoing an
    // interrupted campaign). Problems with single agents are returned.
    bool start(QStringList *problems, QString *error);
    void stop();

    // Publishes the control API (io.conduit.Host1) on the configured bus.
    bool startControlApi(QString *error);
    QDBusConnection busConnection() const { return bus_; }

    // Verifies a bundle for this vehicle and queues its campaign.
    // `done` gets "" on success or the reason it was refused.
    void installBundle(const QString &path, std::function<void(const QString &error)> done) override;
    void installBundleFd(int fd, std::function<void(const QString &error)> done) override;

    // The driver's auto-confirm switch: engine policy and, with DDI, the server's.
    void setAutoConsent(bool on) override;
    upstream::DdiConnector *ddi() { return ddi_.get(); }
    agents::AgentRegistry *registry() { return &registry_; }
    core::DeviceGateway *gateway() { return &gateway_; }
    core::CampaignEngine *engine() { return engine_.get(); }
    core::VehicleState *vehicle() { return &vehicle_; }
    core::VehicleSignalProvider *vehicleSource() { return vehicleSource_.get(); }
    // Null unless [gathering] enabled = true.
    gathering::GatheringService *gathering() { return gathering_.get(); }
    const HostConfig &config() const { return config_; }

private:
    bool startGathering(QStringList *problems, QString *error);
    // Inventory, then `admit` (a bundle verified for these devices), then
    // the engine; `done` gets "" or why the bundle was refused.
    using BundleAdmission =
        std::function<std::optional<core::Campaign>(const QList<core::DeviceRecord> &, QString *error)>;
    void submitBundle(BundleAdmission admit, std::function<void(const QString &error)> done);

    HostConfig config_;
    agents::AgentRegistry registry_;
    RegistryGateway gateway_;
    core::Journal journal_;
    core::VehicleState vehicle_;
    std::unique_ptr<core::VehicleSignalProvider> vehicleSource_; // feeds vehicle_ ([vehicle] source)
    std::unique_ptr<core::CampaignEngine> engine_;
    QDBusConnection bus_{QString()};
    QObject *busObject_ = nullptr;
    std::unique_ptr<QNetworkAccessManager> network_;
    std::unique_ptr<upstream::DdiConnector> ddi_;
    class NoPayloadSource;
    std::unique_ptr<NoPayloadSource> payloads_;
    std::unique_ptr<RegistryCapture> capture_;
    std::unique_ptr<gathering::GatheringService> gathering_;
    std::unique_ptr<GatheringWiring> wiring_; // before the service goes
};

} // namespace conduit::daemon
