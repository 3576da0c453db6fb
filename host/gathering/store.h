// The durable store-and-forward of data gathering (docs/data-gathering.md):
// items of every kind wait here, bounded on disk, until an uploader has
// delivered them. One SQLite database in WAL mode (synchronous=FULL) holds
// the rows and the small payloads; payloads above Config::inlineLimit are
// files in blobs/ (blobdir.h), complete on disk before their row commits.
//
// Contract:
// - put() returns an id only once the item survives a power cut; on a
//   failure nothing of the item stays (no row, no file).
// - The bounds (bytes, items, per-class bytes) hold after every call. To
//   fit a new item the store drops expired items first, then evicts by
//   lowest priority, then oldest, never an item of higher priority than the
//   new one and never a leased one; what still does not fit is refused
//   (StoreError::Full), nothing is evicted for it, and it is counted as a
//   drop (DropReason::Refused).
// - next() hands out pending items, highest priority first, then oldest,
//   each with a lease: a leased item is not handed out again until the
//   lease ends, release() or a restart (leases live in memory). acknowledge()
//   deletes it durably. So an item is delivered at least once and
//   acknowledged once.
// - deleteClass()/deleteCampaign() remove rows and files and checkpoint the
//   WAL, with secure_delete on: the bytes are gone from the database files.
//
// [single-thread] One Store per directory and process (the database is
// opened in exclusive locking mode); call it from one thread.
#pragma once

#include "blobdir.h"
#include "database_p.h"
#include "item.h"
#include "seams.h"
#include "storeerror.h"

#include <QList>
#include <QSet>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

namespace conduit::gathering {

struct Usage {
    struct Cell {
        qint64 items = 0;
        qint64 bytes = 0;
    };
    std::map<std::pair<DataClass, Priority>, Cell> pending;            // what waits
    std::map<std::tuple<DataClass, Priority, DropReason>, Cell> drops; // since the store was created
    qint64 items = 0, bytes = 0;                                       // all pending, payload bytes
    qint64 maxItems = 0, maxBytes = 0;                                 // the configured bounds
    qint64 leased = 0;                                                 // handed out, not yet acknowledged
    qint64 oldestPendingMs = 0;   // created time of the oldest pending item; 0 when empty
    qint64 databaseFileBytes = 0; // store.db + its WAL on disk (overhead included)
};

// Which items a consumer takes (next() with a Selection): the bulk
// uploader takes blobs and large payloads, the MQTT connector the rest.
// An item is taken when its priority is at least minPriority, it is not
// larger than maxSize (0: no bound), and it is of one of `kinds` or at
// least minSize bytes (both empty or 0: of any kind and size).
struct Selection {
    QList<ItemKind> kinds;
    qint64 minSize = 0;
    Priority minPriority = Priority::Bulk;
    qint64 maxSize = 0;
    bool takes(ItemKind kind, qint64 size) const {
        if (maxSize > 0 && size > maxSize) return false;
        if (kinds.isEmpty() && minSize <= 0) return true;
        return kinds.contains(kind) || (minSize > 0 && size >= minSize);
    }
};

// Where an item's bulk upload stands (the tus upload URL, the last offset
// the server confirmed and when the server forgets it), so that an upload
// resumes after a restart. Kept with the item and removed with it.
struct UploadState {
    QString url;
    qint64 offset = 0;
    qint64 expiresMs = 0; // 0: the server did not say
};

// What a deletion request removed.
struct Removal {
    qint64 items = 0;
    qint64 bytes = 0;
};

class Store : public ItemSink, public DeliveryQueue {
public:
    struct Config {
        qint64 maxBytes = 256ll << 20; // payload bytes, all classes
        qint64 maxItems = 1'000'000;
        std::map<DataClass, qint64> classQuota; // payload bytes per class (absent: only maxBytes)
        qint64 inlineLimit = 64 << 10;          // larger payloads go to blobs/
        qint64 defaultRetentionMs = 7ll * 24 * 3600 * 1000;
        std::function<qint64()> clock; // wall clock in ms; default the system's
    };

    Store(QString dir, Config config);
    ~Store() override;

    // Opens or creates the store in `dir`: the database, the schema, then a
    // sweep (blob files without a row are removed; rows whose file is
    // missing or short are dropped as Damaged). Leases start empty.
    bool open(StoreFailure *f);

    // ItemSink: all or nothing; ids in the order of `items`.
    bool put(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f) override;
    bool put(const Item &item, qint64 *id, StoreFailure *f);

    // DeliveryQueue.
    bool next(int max, qint64 leaseMs, QList<StoredItem> *out, StoreFailure *f) override;
    bool acknowledge(qint64 id, bool *found, StoreFailure *f) override;
    void release(qint64 id) override;
    // next() restricted to the items `which` takes.
    bool next(int max, qint64 leaseMs, const Selection &which, QList<StoredItem> *out, StoreFailure *f);

    // The upload state of an item (storeupload.cpp); *found false when none
    // was saved. save() is durable on return; a state for an item that is
    // gone is not saved (*found false), so an acknowledged item gets none.
    bool uploadState(qint64 id, UploadState *out, bool *found, StoreFailure *f);
    bool saveUploadState(qint64 id, const UploadState &state, bool *found, StoreFailure *f);
    bool clearUploadState(qint64 id, StoreFailure *f);

    // One item by id (pending or leased); *found false when there is none.
    bool item(qint64 id, StoredItem *out, bool *found, StoreFailure *f);

    // Drops every item whose retention ran out (also done by put and next).
    bool expire(StoreFailure *f);

    // Deletion requests ("delete my data"), durable on return.
    bool deleteClass(DataClass c, Removal *out, StoreFailure *f);
    bool deleteCampaign(const QString &campaignId, Removal *out, StoreFailure *f);

    bool usage(Usage *out, StoreFailure *f);

    const QString &directory() const { return dir_; }

private:
    struct Victim {
        qint64 id;
        DataClass dataClass;
        Priority priority;
        qint64 size;
        QString blob;
    };
    using Totals = std::map<std::pair<DataClass, Priority>, Usage::Cell>;

    qint64 now() const;
    bool leased(qint64 id, qint64 now) const;
    bool sweep(StoreFailure *f);
    bool loadTotals(StoreFailure *f);
    bool putAll(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f);
    void countRefused(const QList<Item> &items);
    bool prepareItem(const Item &in, qint64 now, Item *out, BlobFile *blob, StoreFailure *f);
    bool makeRoom(const Item &item, qint64 size, const QSet<qint64> &keep, Totals &totals, QList<Victim> &victims,
                  StoreFailure *f);
    bool collect(Statement &s, QList<Victim> &out, StoreFailure *f);
    bool drop(const QList<Victim> &victims, DropReason reason, Totals &totals, StoreFailure *f);
    bool removeWhere(const char *selectSql, const std::function<void(Statement &)> &bind, DropReason reason,
                     Removal *out, StoreFailure *f);
    // drop() in a transaction of its own, then forget().
    bool dropNow(const QList<Victim> &victims, DropReason reason, StoreFailure *f);
    void forget(const QList<Victim> &victims);
    bool readItem(Statement &s, StoredItem *out, StoreFailure *f) const;

    QString dir_;
    Config config_;
    Database db_;
    BlobDir blobs_;
    Totals totals_;
    std::map<std::tuple<DataClass, Priority, DropReason>, Usage::Cell> drops_;
    std::unordered_map<qint64, qint64> leases_; // id -> lease end (ms)
};

// Sums of a Totals map.
Usage::Cell sum(const std::map<std::pair<DataClass, Priority>, Usage::Cell> &totals);

} // namespace conduit::gathering
