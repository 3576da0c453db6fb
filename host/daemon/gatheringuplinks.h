// What sends the store's items to the fleet and takes the fleet's documents
// in, all on the store's thread (docs/data-gathering.md, "Wiring in
// conduitd"): the Paho link, the MQTT uplink (short items) and downlink
// (campaigns, commands), and the tus bulk scheduler (blobs, incident
// bundles, large items). Each is optional, as the configuration says.
//
// [store-thread] Created and destroyed inside StoreWorker::run (so that
// every QObject here has the store's thread affinity); every member is
// called there. The callbacks are called there too: the owner posts them on.
#pragma once

#include "gatheringlinks.h"

#include "gathering/store.h"
#include "gathering/upload/linkconditions.h"

#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace conduit::gathering::mqtt {
class PahoMessageLink;
class Uplink;
class Downlink;
} // namespace conduit::gathering::mqtt

namespace conduit::gathering {
class BulkScheduler;
}

namespace conduit::daemon {

// The link conditions as a snapshot the main thread writes and the store's
// thread reads. [thread-safe]
class LinkSnapshot : public gathering::LinkConditions {
public:
    gathering::LinkState current() const override;
    void set(gathering::LinkState s);

private:
    std::atomic<bool> online_{true}, metered_{true}, parked_{false};
};

class GatheringUplinks {
public:
    // What MQTT carries: the complement of what the bulk scheduler takes.
    static gathering::Selection shortItems();

    struct Callbacks {
        // Items of a class reached the fleet (acknowledged in the store).
        std::function<void(gathering::DataClass, qint64 items, qint64 bytes, const QString &uplink)> delivered;
        std::function<void(gathering::DataClass, const QString &why, const QString &uplink)> failed;
        // A campaign document from the campaigns topic.
        std::function<void(const QByteArray &document)> campaign;
    };

    // nullptr and *error when the broker settings cannot work.
    static std::unique_ptr<GatheringUplinks> create(gathering::Store &store, const GatheringLinks &links,
                                                    gathering::LinkConditions &conditions, Callbacks callbacks,
                                                    QString *error);
    // Stops the link (publishing "offline") and the upload in flight.
    ~GatheringUplinks();

    // New items were stored or the link conditions changed: look now.
    void poke();
    // Publishes a response on the responses topic (no-op without MQTT).
    void respond(const QByteArray &json);

    const gathering::mqtt::Uplink *uplink() const { return uplink_.get(); }
    const gathering::BulkScheduler *bulk() const { return bulk_.get(); }

private:
    class ShortItemQueue;
    GatheringUplinks(gathering::Store &store, Callbacks callbacks);

    gathering::Store &store_;
    Callbacks callbacks_;
    QString responsesTopic_;
    std::unique_ptr<ShortItemQueue> queue_;
    std::unique_ptr<gathering::mqtt::PahoMessageLink> link_;
    std::unique_ptr<gathering::mqtt::Uplink> uplink_;
    std::unique_ptr<gathering::mqtt::Downlink> downlink_;
    std::unique_ptr<gathering::BulkScheduler> bulk_;
    std::map<qint64, gathering::DataClass> uploading_; // bulk: store id -> class (known while it is in the store)
};

} // namespace conduit::daemon
