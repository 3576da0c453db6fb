// The uplink: short items from the store to the broker. Takes leased items
// through the DeliveryQueue (highest priority first, as next() gives them),
// publishes each with QoS 1 on data/<class> with its idempotency key, and
// acknowledges it in the store only after its PUBACK; a failed publish, or
// one cut by a lost connection, releases the item so it goes again. At
// least once on the wire, once in the store, repeats recognisable by key.
//
// Short items only: signal and log windows up to Config::maxPayload. A
// larger item, or one of kind Blob (clips, diagnostic files), is the bulk
// uploader's (tus); the uplink releases it at once and counts it as skipped.
//
// [owner-thread] Like the link and the store: one thread. The queue and
// the link must outlive the uplink.
#pragma once

#include "gathering/seams.h"
#include "messagelink.h"
#include "topics.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>

namespace conduit::gathering::mqtt {

class Uplink : public QObject {
    Q_OBJECT
public:
    struct Config {
        int window = 32;                // publishes in flight (<= the link's maxInflight)
        qint64 leaseMs = 5 * 60 * 1000; // the store's lease per item
        qint64 maxPayload = 256 << 10;  // larger items are the bulk uploader's
        int idlePollMs = 5000;          // look at the store again when nothing pokes us
        int retryAfterFailureMs = 1000; // a refused publish pauses the uplink this long
        std::function<qint64()> clock;  // wall clock in ms (message expiry); default the system's
    };
    struct Counters {
        qint64 published = 0;    // PUBACKs
        qint64 acknowledged = 0; // removed from the store after a PUBACK
        qint64 failed = 0;       // publishes failed or cut (the item went back)
        qint64 skipped = 0;      // too large or a blob: handed back for the bulk uploader (once per round)
        qint64 storeErrors = 0;  // next()/acknowledge() failed (logged)
    };

    Uplink(DeliveryQueue &queue, MessageLink &link, Topics topics, Config config, QObject *parent = nullptr);
    Uplink(DeliveryQueue &queue, MessageLink &link, Topics topics, QObject *parent = nullptr);

    // Starts draining whenever the link is connected.
    void start();
    // New items were stored: look now (the gathering service calls it after put()).
    void poke();

    const Counters &counters() const { return counters_; }
    int inFlight() const { return int(inflight_.size()); }

signals:
    // The item's PUBACK arrived and the store removed it.
    void delivered(qint64 storeId);

private:
    void drain();
    void onPublished(quint64 ref);
    void onPublishFailed(quint64 ref, const LinkFailure &f);
    OutgoingMessage messageOf(const StoredItem &item) const;
    qint64 now() const;

    DeliveryQueue &queue_;
    MessageLink &link_;
    Topics topics_;
    Config config_;
    Counters counters_;
    QHash<quint64, qint64> inflight_; // link ref -> store id
    QTimer poll_;
    QTimer pause_;
    bool draining_ = false;
    bool started_ = false;
};

} // namespace conduit::gathering::mqtt
