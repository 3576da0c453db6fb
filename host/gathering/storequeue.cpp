// The Store's delivery side (next, acknowledge, release), deletion requests,
// expiry and usage figures. The ingest side is in store.cpp.
#include "store.h"

#include <QFileInfo>

namespace conduit::gathering {

namespace {

const char *const kSelectItem =
    "SELECT id, kind, campaign, class, priority, created_ms, expires_ms, size, sha256, payload, blob FROM items ";

} // namespace

bool Store::readItem(Statement &s, StoredItem *out, StoreFailure *f) const {
    const auto kind = itemKindFromInt(s.integer(1));
    const auto c = dataClassFromInt(s.integer(3));
    const auto p = priorityFromInt(s.integer(4));
    if (!kind || !c || !p)
        return fail(f, StoreError::Corrupt,
                    QStringLiteral("store item %1 has an unknown kind, class or priority").arg(s.integer(0)));
    out->id = s.integer(0);
    out->kind = *kind;
    out->campaignId = s.text(2);
    out->dataClass = *c;
    out->priority = *p;
    out->createdMs = s.integer(5);
    out->expiresMs = s.integer(6);
    out->size = s.integer(7);
    out->sha256 = s.blob(8);
    out->bytes = s.isNull(9) ? QByteArray() : s.blob(9);
    out->blobPath = s.isNull(10) ? QString() : blobs_.path(s.text(10));
    const auto lease = leases_.find(out->id);
    out->leaseUntilMs = lease == leases_.end() ? 0 : lease->second;
    return true;
}

bool Store::next(int max, qint64 leaseMs, QList<StoredItem> *out, StoreFailure *f) {
    return next(max, leaseMs, Selection{}, out, f);
}

bool Store::next(int max, qint64 leaseMs, const Selection &which, QList<StoredItem> *out, StoreFailure *f) {
    out->clear();
    if (!expire(f)) return false;
    const qint64 t = now();
    // Leases that ended are forgotten here, so the map holds only what is
    // in flight.
    std::erase_if(leases_, [t](const auto &l) { return l.second <= t; });
    QByteArray sql(kSelectItem);
    sql += "WHERE priority >= ? ORDER BY priority DESC, created_ms, id";
    Statement s(db_, sql.constData());
    s.bind(1, qint64(which.minPriority));
    while (out->size() < max && s.step()) {
        if (leased(s.integer(0), t) || !which.takes(ItemKind(s.integer(1)), s.integer(7))) continue;
        StoredItem item;
        if (!readItem(s, &item, f)) return false;
        leases_[item.id] = item.leaseUntilMs = t + leaseMs;
        out->append(item);
    }
    return s.failed() ? s.fail(f) : true;
}

bool Store::acknowledge(qint64 id, bool *found, StoreFailure *f) {
    QList<Victim> gone;
    {
        Statement s(db_, "SELECT id, class, priority, size, blob FROM items WHERE id = ?");
        if (!collect(s.bind(1, id), gone, f)) return false;
    }
    leases_.erase(id);
    *found = !gone.isEmpty();
    if (gone.isEmpty()) return true;
    {
        Transaction tx(db_); // both rows or neither: durable on return
        Statement del(db_, "DELETE FROM items WHERE id = ?");
        Statement upload(db_, "DELETE FROM uploads WHERE item = ?");
        if (!tx.begin(f) || !del.bind(1, id).run(f) || !upload.bind(1, id).run(f) || !tx.commit(f)) return false;
    }
    Usage::Cell &cell = totals_[{gone[0].dataClass, gone[0].priority}];
    --cell.items;
    cell.bytes -= gone[0].size;
    forget(gone);
    return true;
}

void Store::release(qint64 id) { leases_.erase(id); }

bool Store::item(qint64 id, StoredItem *out, bool *found, StoreFailure *f) {
    QByteArray sql(kSelectItem);
    sql += "WHERE id = ?";
    Statement s(db_, sql.constData());
    *found = s.bind(1, id).step();
    if (s.failed()) return s.fail(f);
    return *found ? readItem(s, out, f) : true;
}

bool Store::expire(StoreFailure *f) {
    QList<Victim> expired;
    {
        Statement s(db_, "SELECT id, class, priority, size, blob FROM items WHERE expires_ms <= ?");
        if (!collect(s.bind(1, now()), expired, f)) return false;
    }
    return dropNow(expired, DropReason::Expired, f);
}

bool Store::removeWhere(const char *where, const std::function<void(Statement &)> &bind, DropReason reason,
                        Removal *out, StoreFailure *f) {
    QList<Victim> victims;
    {
        QByteArray sql("SELECT id, class, priority, size, blob FROM items WHERE ");
        sql += where;
        Statement s(db_, sql.constData());
        bind(s);
        if (!collect(s, victims, f)) return false;
    }
    if (!dropNow(victims, reason, f)) return false;
    // The deleted rows were zeroed (secure_delete) in pages that now sit in
    // the WAL, and older copies of them may sit in earlier WAL frames: copy
    // everything into the database file and empty the WAL.
    if (!db_.exec("PRAGMA wal_checkpoint(TRUNCATE)", f)) return false;
    *out = {};
    for (const Victim &v : victims) {
        ++out->items;
        out->bytes += v.size;
    }
    return true;
}

bool Store::deleteClass(DataClass c, Removal *out, StoreFailure *f) {
    return removeWhere(
        "class = ?", [c](Statement &s) { s.bind(1, qint64(c)); }, DropReason::Deleted, out, f);
}

bool Store::deleteCampaign(const QString &campaignId, Removal *out, StoreFailure *f) {
    return removeWhere(
        "campaign = ?", [&](Statement &s) { s.bind(1, campaignId); }, DropReason::Deleted, out, f);
}

bool Store::usage(Usage *out, StoreFailure *f) {
    *out = {};
    for (const auto &[key, cell] : totals_)
        if (cell.items > 0) out->pending[key] = cell;
    out->drops = drops_;
    const Usage::Cell all = sum(totals_);
    out->items = all.items;
    out->bytes = all.bytes;
    out->maxItems = config_.maxItems;
    out->maxBytes = config_.maxBytes;
    const qint64 t = now();
    for (const auto &[id, until] : leases_)
        if (until > t) ++out->leased;
    // One index lookup per priority (items_evict), not a scan.
    Statement s(db_, "SELECT MIN(created_ms) FROM items WHERE priority = ?");
    for (Priority p : kPriorities) {
        s.reset();
        if (!s.bind(1, qint64(p)).step()) return s.fail(f);
        if (s.isNull(0)) continue;
        const qint64 oldest = s.integer(0);
        if (!out->oldestPendingMs || oldest < out->oldestPendingMs) out->oldestPendingMs = oldest;
    }
    for (const char *suffix : {"", "-wal"}) {
        const QFileInfo file(db_.path() + QLatin1String(suffix));
        if (file.exists()) out->databaseFileBytes += file.size();
    }
    return true;
}

} // namespace conduit::gathering
