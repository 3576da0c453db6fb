#include "gatheringuplinks.h"

#include "hostlog.h"

#include "gathering/mqtt/downlink.h"
#include "gathering/mqtt/pahomessagelink.h"
#include "gathering/mqtt/uplink.h"
#include "gathering/upload/bulkscheduler.h"

#include <unordered_map>

namespace conduit::daemon {

using namespace gathering;

LinkState LinkSnapshot::current() const { return {online_.load(), metered_.load(), parked_.load()}; }

void LinkSnapshot::set(LinkState s) {
    online_ = s.online;
    metered_ = s.metered;
    parked_ = s.parked;
}

Selection GatheringUplinks::shortItems() {
    const Selection bulk = BulkConfig{}.selection;
    return Selection{{ItemKind::SignalWindow, ItemKind::LogWindow}, 0, Priority::Bulk, bulk.minSize - 1};
}

// The uplink's view of the store: only short items, and what it
// acknowledges is reported per class.
class GatheringUplinks::ShortItemQueue : public DeliveryQueue {
public:
    ShortItemQueue(Store &store, const Callbacks &callbacks) : store_(store), callbacks_(callbacks) {}

    bool next(int max, qint64 leaseMs, QList<StoredItem> *out, StoreFailure *f) override {
        if (!store_.next(max, leaseMs, shortItems(), out, f)) return false;
        for (const StoredItem &i : std::as_const(*out)) leased_[i.id] = {i.dataClass, i.size};
        return true;
    }
    bool acknowledge(qint64 id, bool *found, StoreFailure *f) override {
        if (!store_.acknowledge(id, found, f)) return false;
        const auto it = leased_.find(id);
        if (it != leased_.end()) {
            if (*found) callbacks_.delivered(it->second.first, 1, it->second.second, QStringLiteral("mqtt"));
            leased_.erase(it);
        }
        return true;
    }
    void release(qint64 id) override {
        leased_.erase(id);
        store_.release(id);
    }

private:
    Store &store_;
    const Callbacks &callbacks_;
    std::unordered_map<qint64, std::pair<DataClass, qint64>> leased_;
};

GatheringUplinks::GatheringUplinks(Store &store, Callbacks callbacks)
    : store_(store), callbacks_(std::move(callbacks)), queue_(std::make_unique<ShortItemQueue>(store_, callbacks_)) {}

std::unique_ptr<GatheringUplinks> GatheringUplinks::create(Store &store, const GatheringLinks &links,
                                                           LinkConditions &conditions, Callbacks callbacks,
                                                           QString *error) {
    std::unique_ptr<GatheringUplinks> u(new GatheringUplinks(store, std::move(callbacks)));
    if (links.mqtt) {
        const auto topics = mqtt::Topics::forVehicle(links.vehicleId);
        if (!topics) {
            *error = QStringLiteral("vehicle id \"%1\" cannot be used in MQTT topics").arg(links.vehicleId);
            return nullptr;
        }
        mqtt::LinkConfig lc;
        lc.brokerUri = links.mqtt->uri;
        lc.clientId = QStringLiteral("conduit-") + links.vehicleId;
        lc.caFile = links.mqtt->caFile;
        lc.certFile = links.mqtt->certFile;
        lc.keyFile = links.mqtt->keyFile;
        lc.userName = links.mqtt->userName;
        lc.password = links.mqtt->password;
        lc.statusTopic = topics->status();
        u->link_ = mqtt::PahoMessageLink::create(lc, error);
        if (!u->link_) return nullptr;
        u->responsesTopic_ = topics->responses();
        u->uplink_ = std::make_unique<mqtt::Uplink>(*u->queue_, *u->link_, *topics);
        GatheringUplinks *self = u.get();
        u->downlink_ = std::make_unique<mqtt::Downlink>(
            *u->link_, *topics, [self](mqtt::Downstream d, const mqtt::IncomingMessage &m) {
                // An empty message clears a retained one: it is no document.
                if (m.payload.isEmpty()) return;
                if (d == mqtt::Downstream::Campaigns) return self->callbacks_.campaign(m.payload);
                qCWarning(lcHost).noquote() << "gathering: a remote command arrived on" << m.topic
                                            << "; remote commands are not handled by this version";
            });
        QObject::connect(u->link_.get(), &mqtt::MessageLink::failed, u->link_.get(),
                         [](const mqtt::LinkFailure &f) { qCWarning(lcHost).noquote() << "gathering:" << f.message; });
        u->downlink_->start();
        u->uplink_->start();
        u->link_->start();
    }
    if (links.tus) {
        BulkConfig bc;
        bc.tus.endpoint = links.tus->endpoint;
        bc.tus.tls = links.tus->tls;
        bc.tus.bandwidthLimit = links.tus->bandwidthLimit;
        if (!links.vehicleId.isEmpty()) bc.metadata = {{QByteArrayLiteral("vehicle"), links.vehicleId.toUtf8()}};
        u->bulk_ = std::make_unique<BulkScheduler>(store, conditions, bc);
        GatheringUplinks *self = u.get();
        BulkScheduler *bulk = u->bulk_.get();
        // The class of an item, while it is still in the store.
        auto classOf = [self](qint64 id) -> std::optional<DataClass> {
            if (const auto it = self->uploading_.find(id); it != self->uploading_.end()) return it->second;
            StoredItem item;
            bool found = false;
            StoreFailure f;
            if (!self->store_.item(id, &item, &found, &f) || !found) return std::nullopt;
            return self->uploading_[id] = item.dataClass;
        };
        QObject::connect(bulk, &BulkScheduler::progress, bulk, [classOf](qint64 id, qint64, qint64) { classOf(id); });
        QObject::connect(bulk, &BulkScheduler::delivered, bulk, [self, classOf](qint64 id, qint64 size) {
            if (const auto c = classOf(id)) self->callbacks_.delivered(*c, 1, size, QStringLiteral("tus"));
            self->uploading_.erase(id);
        });
        auto failed = [self, classOf](qint64 id, const QString &why) {
            if (const auto c = classOf(id)) self->callbacks_.failed(*c, why, QStringLiteral("tus"));
        };
        QObject::connect(bulk, &BulkScheduler::refused, bulk, failed);
        QObject::connect(bulk, &BulkScheduler::failed, bulk, failed);
        u->bulk_->poke();
    }
    return u;
}

GatheringUplinks::~GatheringUplinks() {
    if (bulk_) bulk_->stop();
    if (link_) link_->stop();
    // The uplink and downlink before the link they use, the queue last.
    bulk_.reset();
    downlink_.reset();
    uplink_.reset();
    link_.reset();
}

void GatheringUplinks::poke() {
    if (uplink_) uplink_->poke();
    if (bulk_) bulk_->poke();
}

void GatheringUplinks::respond(const QByteArray &json) {
    if (!link_) return;
    mqtt::OutgoingMessage m;
    m.topic = responsesTopic_;
    m.payload = json;
    link_->publish(m);
}

} // namespace conduit::daemon
