// The seams where the parts of issue 15 that are not built yet will meet
// the store (docs/data-gathering.md, "Not built yet"):
// - collection campaigns (signed documents, triggers, pre/post windows) and
//   the data-capture extension's frames will write through an ItemSink,
//   after the driver's privacy choices have filtered them;
// - the MQTT connector (short messages) and the tus uploader (bulk) will
//   read through a DeliveryQueue: take leased items in priority order,
//   deliver, acknowledge; the D-Bus API and `conduitctl gathering` will show
//   Store::usage().
// Both are interfaces so that each side can be tested with a fake.
#pragma once

#include "item.h"
#include "storeerror.h"

#include <QList>

namespace conduit::gathering {

class ItemSink {
public:
    virtual ~ItemSink() = default;
    // Stores all items or none; returns the durable ids.
    virtual bool put(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f) = 0;
};

class DeliveryQueue {
public:
    virtual ~DeliveryQueue() = default;
    // Up to `max` pending items, highest priority first, then oldest, each
    // leased for leaseMs (not handed out again before it ends).
    virtual bool next(int max, qint64 leaseMs, QList<StoredItem> *out, StoreFailure *f) = 0;
    // Delivered: removed durably. *found is false if it was already gone
    // (acknowledged before, evicted, expired or deleted): not an error.
    virtual bool acknowledge(qint64 id, bool *found, StoreFailure *f) = 0;
    // Not delivered: available again now.
    virtual void release(qint64 id) = 0;
};

} // namespace conduit::gathering
