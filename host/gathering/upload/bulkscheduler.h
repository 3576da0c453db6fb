// Bulk uploads from the store over tus (docs/data-gathering.md, "Bulk
// uploads (tus)"): takes the items its Selection takes (blobs, incident
// bundles, large payloads) in priority order, one upload at a time, and
// acknowledges an item only once the server confirmed its last byte and
// its end-to-end hash check passed.
//
// Priority and cost: items at or above UploadPolicy::anyLinkFrom (Safety,
// High) go at once on any link; the others only when the policy allows it
// (an unmetered link, parked if asked). An upload of lower priority than a
// pending one, or no longer allowed (the link became metered), is stopped
// and resumes later from the server's offset.
//
// Restarts: the upload URL and the confirmed offset of every item are kept
// in the store (Store::saveUploadState), so an upload cut by a crash or a
// power cut resumes where the server stands.
//
// [single-thread] Lives on the store's thread.
#pragma once

#include "gathering/store.h"
#include "linkconditions.h"
#include "transfer/tusupload.h"

#include <QObject>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

namespace conduit::gathering {

struct UploadPolicy {
    Priority anyLinkFrom = Priority::High; // at or above: on any link, at once
    bool othersNeedUnmetered = true;
    bool othersNeedParked = false;
};

struct BulkConfig {
    transfer::TusOptions tus;
    transfer::TusRetry retry;
    Selection selection{{ItemKind::Blob}, 128 << 10, Priority::Bulk};
    UploadPolicy policy;
    qint64 leaseMs = 3'600'000;                    // an item in upload is not handed out again for this long
    qint64 retryAfterMs = 60'000;                  // an item whose upload failed (retries used up) waits this long
    qint64 refusedHoldMs = 3'600'000;              // an item the server refused (hash) waits this long
    QList<QPair<QByteArray, QByteArray>> metadata; // added to every upload's (e.g. the vehicle id)
};

class BulkScheduler : public QObject {
    Q_OBJECT
public:
    struct Stats {
        qint64 delivered = 0, refused = 0, failed = 0, preempted = 0;
        qint64 bytesSent = 0; // PATCH body bytes, all uploads
        qint64 resumed = 0;   // uploads continued from a known URL at an offset > 0
        qint64 recreated = 0; // known uploads found expired or gone, created again
    };

    BulkScheduler(Store &store, LinkConditions &link, BulkConfig config, QObject *parent = nullptr);
    ~BulkScheduler() override;

    // Starts (and later: re-evaluates) sending. Call after new items were
    // stored and after the link conditions changed.
    void poke();
    // Stops the upload in flight (it resumes at the next poke()).
    void stop();

    const Stats &stats() const { return stats_; }
    qint64 inFlight() const { return current_.id; } // 0 when none

signals:
    void progress(qint64 id, qint64 offset, qint64 size);
    void delivered(qint64 id, qint64 size);
    void refused(qint64 id, const QString &why); // hash check failed: not acknowledged, held back
    void failed(qint64 id, const QString &why);  // retries used up: held back for retryAfterMs
    void idle();                                 // nothing allowed is pending

private:
    std::optional<Priority> floorNow() const;
    bool takeNext(Priority floor, StoredItem *out);
    void begin(const StoredItem &item);
    void preempt(const char *why);
    void finished(const transfer::TusOutcome &outcome);
    void hold(qint64 id, qint64 ms);
    QList<QPair<QByteArray, QByteArray>> metadataOf(const StoredItem &item) const;
    QString localHashNote(const StoredItem &item) const;

    Store &store_;
    LinkConditions &link_;
    BulkConfig config_;
    StoredItem current_;
    std::shared_ptr<transfer::TusUpload> upload_;
    std::map<qint64, qint64> held_; // id -> until (ms, steady)
    QTimer wakeup_;
    bool stopped_ = false;
    Stats stats_;
};

} // namespace conduit::gathering
