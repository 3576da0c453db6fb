#include "uplink.h"

#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcMqtt)

namespace conduit::gathering::mqtt {

Uplink::Uplink(DeliveryQueue &queue, MessageLink &link, Topics topics, QObject *parent)
    : Uplink(queue, link, std::move(topics), Config{}, parent) {}

Uplink::Uplink(DeliveryQueue &queue, MessageLink &link, Topics topics, Config config, QObject *parent)
    : QObject(parent), queue_(queue), link_(link), topics_(std::move(topics)), config_(std::move(config)) {
    poll_.setInterval(config_.idlePollMs);
    connect(&poll_, &QTimer::timeout, this, &Uplink::drain);
    pause_.setSingleShot(true);
    connect(&pause_, &QTimer::timeout, this, &Uplink::drain);
    connect(&link_, &MessageLink::published, this, &Uplink::onPublished);
    connect(&link_, &MessageLink::publishFailed, this, &Uplink::onPublishFailed);
    connect(&link_, &MessageLink::stateChanged, this, [this](LinkState s) {
        if (s == LinkState::Connected) drain();
    });
}

qint64 Uplink::now() const { return config_.clock ? config_.clock() : QDateTime::currentMSecsSinceEpoch(); }

void Uplink::start() {
    started_ = true;
    poll_.start();
    drain();
}

void Uplink::poke() { drain(); }

OutgoingMessage Uplink::messageOf(const StoredItem &item) const {
    OutgoingMessage m;
    m.topic = topics_.data(item.dataClass);
    m.payload = item.bytes;
    m.properties = {{QString::fromLatin1(property::kKey), topics_.key(item.id)},
                    {QString::fromLatin1(property::kKind), nameOf(item.kind)},
                    {QString::fromLatin1(property::kCampaign), item.campaignId},
                    {QString::fromLatin1(property::kPriority), nameOf(item.priority)},
                    {QString::fromLatin1(property::kCreated), QString::number(item.createdMs)}};
    // The item's retention holds on the wire too: the broker drops it for a
    // subscriber that comes back after it expired.
    if (item.expiresMs > 0) m.expirySeconds = quint32(std::max<qint64>(1, (item.expiresMs - now() + 999) / 1000));
    return m;
}

namespace {
// A short item above the store's inline limit is a file beside the database.
bool readBlob(const StoredItem &item, QByteArray *out) {
    QFile file(item.blobPath);
    if (file.open(QIODevice::ReadOnly)) *out = file.readAll();
    if (out->size() == item.size) return true;
    qCWarning(lcMqtt).noquote() << "uplink: cannot read item" << item.id << "from" << item.blobPath << ":"
                                << file.errorString();
    return false;
}
} // namespace

void Uplink::drain() {
    // Re-entry: the link reports synchronous outcomes only queued, but a
    // store call could in principle run an event loop; stay simple.
    if (!started_ || draining_ || pause_.isActive() || link_.state() != LinkState::Connected) return;
    draining_ = true;
    // Bulk items stay leased until the end of the round, so that next()
    // does not hand them out again in it; then they go back at once.
    QList<qint64> bulk;
    const int window = std::min(config_.window, link_.inflightLimit());
    while (link_.state() == LinkState::Connected && inflight_.size() < window) {
        QList<StoredItem> items;
        StoreFailure f;
        if (!queue_.next(window - int(inflight_.size()), config_.leaseMs, &items, &f)) {
            ++counters_.storeErrors;
            qCWarning(lcMqtt).noquote() << "uplink: the store did not hand out items:" << f.message;
            break;
        }
        if (items.isEmpty()) break;
        for (const StoredItem &item : std::as_const(items)) {
            if (item.kind == ItemKind::Blob || item.size > config_.maxPayload) {
                ++counters_.skipped;
                bulk.append(item.id);
                continue;
            }
            OutgoingMessage m = messageOf(item);
            if (!item.blobPath.isEmpty() && !readBlob(item, &m.payload)) {
                ++counters_.storeErrors;
                bulk.append(item.id);
                continue;
            }
            inflight_.insert(link_.publish(m), item.id);
        }
        // Bounded work per round: short items behind many bulk ones of
        // higher priority wait for the bulk uploader (docs: "MQTT", limits).
        if (bulk.size() >= 4 * window) break;
    }
    for (qint64 id : std::as_const(bulk)) queue_.release(id);
    draining_ = false;
}

void Uplink::onPublished(quint64 ref) {
    const auto it = inflight_.constFind(ref);
    if (it == inflight_.constEnd()) return;
    const qint64 id = it.value();
    inflight_.erase(it);
    ++counters_.published;
    bool found = false;
    StoreFailure f;
    if (!queue_.acknowledge(id, &found, &f)) {
        // The item stays leased until its lease ends, then goes again: a
        // repeat with the same key, never a loss.
        ++counters_.storeErrors;
        qCWarning(lcMqtt).noquote() << "uplink: item" << id << "was delivered but not removed:" << f.message;
    } else {
        ++counters_.acknowledged;
        emit delivered(id);
    }
    drain();
}

void Uplink::onPublishFailed(quint64 ref, const LinkFailure &f) {
    const auto it = inflight_.constFind(ref);
    if (it == inflight_.constEnd()) return;
    queue_.release(it.value());
    inflight_.erase(it);
    ++counters_.failed;
    if (f.error == LinkError::PublishFailed) {
        // Refused by the broker while connected (e.g. quota, not authorised
        // for the topic): do not spin on it.
        qCWarning(lcMqtt).noquote() << "uplink:" << f.message;
        pause_.start(config_.retryAfterFailureMs);
    }
}

} // namespace conduit::gathering::mqtt
