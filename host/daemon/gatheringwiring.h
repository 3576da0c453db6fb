// Data gathering put together in conduitd (docs/data-gathering.md, "Wiring
// in conduitd"): the campaigns on the main thread, fed by the vehicle state
// and the host's log, storing through the gathering service's store
// worker; the uplinks (MQTT, tus) on the store's thread; campaign documents
// from the downlink queued here for accept(), the answer published back.
//
// Threads: the CampaignCollection, this object and the service live on
// conduitd's main thread; GatheringUplinks and a context object live on the
// store's thread, created and destroyed inside StoreWorker::run. Calls to
// the store's thread are posted to that context (poke, respond); its
// callbacks are posted back to this object.
//
// [main-thread]
#pragma once

#include "gatheringlinks.h"
#include "gatheringuplinks.h"

#include "gathering/campaign/collection.h"
#include "gathering/campaign/logring.h"

#include <QObject>
#include <QTimer>
#include <QVariantMap>

#include <memory>
#include <set>

namespace conduit::core {
class VehicleState;
}
namespace conduit::gathering {
class GatheringService;
}

namespace conduit::daemon {

class GatheringWiring : public QObject {
    Q_OBJECT
public:
    GatheringWiring(GatheringLinks links, gathering::GatheringService *service, core::VehicleState *vehicle,
                    QObject *parent = nullptr);
    // Ends the uplinks on the store's thread first.
    ~GatheringWiring() override;

    // Opens the campaign book (when campaign_keys is set), starts the
    // uplinks and the captures of the active campaigns. false with *error
    // when the trust file, the book or the broker settings cannot work.
    bool start(QString *error);
    // Before the service stops: ends the uplinks (MQTT "offline").
    void stop();

    const gathering::campaign::CampaignCollection *collection() const { return collection_.get(); }

private:
    class StoreSink;
    class WindowArchive;
    class ServiceClips;
    struct Answer;

    void onVehicleChanged();
    void onDocument(const QByteArray &document);
    void schedule();
    void tick();
    void syncCampaigns();
    void toStoreThread(std::function<void()> fn);
    void pokeUplinks();

    GatheringLinks links_;
    gathering::GatheringService *service_;
    core::VehicleState *vehicle_;
    std::shared_ptr<gathering::campaign::LogRing> logs_;
    std::unique_ptr<StoreSink> sink_;
    std::unique_ptr<WindowArchive> archive_;
    std::unique_ptr<ServiceClips> clips_;
    std::unique_ptr<gathering::campaign::CampaignCollection> collection_;
    LinkSnapshot conditions_;
    QVariantMap lastSignals_;
    QTimer deadline_;
    std::set<std::pair<QString, QString>> captures_; // (device, stream) started for campaigns
    QObject *storeContext_ = nullptr;                // lives on the store's thread
    std::unique_ptr<GatheringUplinks> uplinks_;      // lives on the store's thread
};

} // namespace conduit::daemon
