#include "bulkscheduler.h"

#include <QCryptographicHash>
#include <QFile>
#include <QLoggingCategory>

#include <chrono>

Q_LOGGING_CATEGORY(lcBulk, "conduit.gathering.upload")

namespace conduit::gathering {

namespace {

qint64 steadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Priority above(Priority p) { return p == Priority::Safety ? p : Priority(quint8(p) + 1); }

QString describe(const StoredItem &item) {
    return QStringLiteral("item %1 (%2, %3, %4 bytes)")
        .arg(item.id)
        .arg(nameOf(item.dataClass), nameOf(item.priority))
        .arg(item.size);
}

} // namespace

BulkScheduler::BulkScheduler(Store &store, LinkConditions &link, BulkConfig config, QObject *parent)
    : QObject(parent), store_(store), link_(link), config_(std::move(config)) {
    wakeup_.setSingleShot(true);
    connect(&wakeup_, &QTimer::timeout, this, &BulkScheduler::poke);
}

BulkScheduler::~BulkScheduler() {
    if (upload_) {
        upload_->abort();
        upload_->join();
        store_.release(current_.id);
    }
}

// The lowest priority that may go now; nullopt when nothing may.
std::optional<Priority> BulkScheduler::floorNow() const {
    const LinkState s = link_.current();
    if (!s.online) return std::nullopt;
    const UploadPolicy &p = config_.policy;
    const bool othersMayGo = (!p.othersNeedUnmetered || !s.metered) && (!p.othersNeedParked || s.parked);
    return othersMayGo ? Priority::Bulk : p.anyLinkFrom;
}

void BulkScheduler::poke() {
    stopped_ = false;
    const auto floor = floorNow();
    if (current_.id) {
        if (!floor || current_.priority < *floor) {
            preempt("it may not go on this link now");
        } else {
            StoredItem urgent;
            if (current_.priority == Priority::Safety || !takeNext(std::max(*floor, above(current_.priority)), &urgent))
                return;
            preempt("a more urgent item is pending");
            begin(urgent);
            return;
        }
    }
    StoredItem item;
    if (floor && takeNext(*floor, &item))
        begin(item);
    else
        emit idle();
}

void BulkScheduler::stop() {
    stopped_ = true;
    wakeup_.stop();
    if (current_.id) preempt("stopped");
}

// Leases the best pending item at or above `floor` that is not held back.
bool BulkScheduler::takeNext(Priority floor, StoredItem *out) {
    const qint64 t = steadyMs();
    std::erase_if(held_, [t](const auto &h) { return h.second <= t; });
    Selection which = config_.selection;
    which.minPriority = std::max(which.minPriority, floor);
    QList<StoredItem> items;
    StoreFailure f;
    // Held items are leased here and released at once: at most all of them
    // come before an eligible one.
    if (!store_.next(int(held_.size()) + 1, config_.leaseMs, which, &items, &f)) {
        qCWarning(lcBulk) << "cannot read the store:" << f.message;
        return false;
    }
    bool found = false;
    for (const StoredItem &item : items) {
        if (!found && !held_.count(item.id)) {
            *out = item;
            found = true;
        } else {
            store_.release(item.id);
        }
    }
    return found;
}

void BulkScheduler::hold(qint64 id, qint64 ms) {
    const qint64 until = steadyMs() + ms;
    held_[id] = until;
    qint64 first = until;
    for (const auto &[other, end] : held_) first = std::min(first, end);
    wakeup_.start(int(std::clamp<qint64>(first - steadyMs(), 0, 24ll * 3600 * 1000)));
}

QList<QPair<QByteArray, QByteArray>> BulkScheduler::metadataOf(const StoredItem &item) const {
    QList<QPair<QByteArray, QByteArray>> m{
        {"filename", QByteArrayLiteral("item-") + QByteArray::number(item.id) + ".bin"},
        {"item", QByteArray::number(item.id)},
        {"campaign", item.campaignId.toUtf8()},
        {"class", nameOf(item.dataClass).toUtf8()},
        {"kind", nameOf(item.kind).toUtf8()},
        {"priority", nameOf(item.priority).toUtf8()},
        {"created", QByteArray::number(item.createdMs)},
        {"sha256", item.sha256.toHex()},
    };
    m += config_.metadata;
    return m;
}

void BulkScheduler::begin(const StoredItem &item) {
    current_ = item;
    UploadState known;
    bool found = false;
    StoreFailure f;
    if (!store_.uploadState(item.id, &known, &found, &f))
        qCWarning(lcBulk) << "cannot read the upload state of item" << item.id << ":" << f.message;
    transfer::TusObject object;
    object.size = item.size;
    object.path = item.blobPath;
    object.bytes = item.bytes;
    object.metadata = metadataOf(item);
    object.knownUrl = found ? QUrl(known.url) : QUrl();
    object.knownExpiresMs = found ? known.expiresMs : 0;
    qCInfo(lcBulk).noquote() << "uploading" << describe(item)
                             << (found ? QStringLiteral("resuming %1 at %2").arg(known.url).arg(known.offset)
                                       : QStringLiteral("as a new upload"));
    const qint64 id = item.id, size = item.size;
    transfer::TusUpload::Callbacks callbacks;
    callbacks.progress = [this, id, size](const transfer::TusProgress &p) {
        bool stillThere = false;
        StoreFailure why;
        if (!store_.saveUploadState(id, {p.url.toString(), p.offset, p.expiresMs}, &stillThere, &why))
            qCWarning(lcBulk) << "cannot keep the upload state of item" << id << ":" << why.message;
        emit progress(id, p.offset, size);
    };
    callbacks.done = [this](const transfer::TusOutcome &o) { finished(o); };
    upload_ = transfer::TusUpload::start(this, config_.tus, config_.retry, object, std::move(callbacks));
}

void BulkScheduler::preempt(const char *why) {
    qCInfo(lcBulk).noquote() << "pausing the upload of" << describe(current_) << ":" << why;
    upload_->abort();
    upload_->join();
    upload_.reset();
    store_.release(current_.id);
    current_ = {};
    ++stats_.preempted;
}

// What the store's own copy says, for the message of a refused upload.
QString BulkScheduler::localHashNote(const StoredItem &item) const {
    QCryptographicHash h(QCryptographicHash::Sha256);
    if (item.blobPath.isEmpty()) {
        h.addData(item.bytes);
    } else {
        QFile file(item.blobPath);
        if (!file.open(QIODevice::ReadOnly) || !h.addData(&file))
            return QStringLiteral("; the stored payload %1 cannot be read").arg(item.blobPath);
    }
    if (h.result() != item.sha256)
        return QStringLiteral("; the stored payload hashes to %1, not the %2 recorded when it was stored: "
                              "it was damaged on the vehicle's disk")
            .arg(QString::fromLatin1(h.result().toHex()), QString::fromLatin1(item.sha256.toHex()));
    return QStringLiteral("; the stored payload still matches its recorded hash: damaged on the way or at the server");
}

void BulkScheduler::finished(const transfer::TusOutcome &o) {
    const StoredItem item = current_;
    upload_->join();
    upload_.reset();
    current_ = {};
    stats_.bytesSent += o.bytesSent;
    if (o.resumedFrom > 0) ++stats_.resumed;
    if (o.recreated) ++stats_.recreated;
    StoreFailure f;
    if (o.complete) {
        bool found = false;
        if (!store_.acknowledge(item.id, &found, &f)) {
            // Delivered but not yet forgotten: sent again later, and the
            // server's copy makes the repeat a HEAD at the full offset.
            qCWarning(lcBulk) << "delivered item" << item.id << "but cannot acknowledge it:" << f.message;
            store_.release(item.id);
            hold(item.id, config_.retryAfterMs);
        } else {
            ++stats_.delivered;
            qCInfo(lcBulk).noquote() << "delivered" << describe(item) << "with" << o.bytesSent << "bytes sent";
            emit delivered(item.id, item.size);
        }
    } else if (o.failure.code == transfer::TusError::Refused) {
        ++stats_.refused;
        const QString why = o.failure.message + localHashNote(item);
        qCWarning(lcBulk).noquote() << "the server refused" << describe(item) << ":" << why;
        if (!store_.clearUploadState(item.id, &f)) qCWarning(lcBulk) << f.message;
        store_.release(item.id);
        hold(item.id, config_.refusedHoldMs);
        emit refused(item.id, why);
    } else {
        ++stats_.failed;
        qCWarning(lcBulk).noquote() << "the upload of" << describe(item) << "failed ("
                                    << transfer::nameOf(o.failure.code) << "):" << o.failure.message;
        store_.release(item.id);
        hold(item.id, config_.retryAfterMs);
        emit failed(item.id, o.failure.message);
    }
    if (!stopped_) poke();
}

} // namespace conduit::gathering
