#include "store.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>

Q_LOGGING_CATEGORY(lcGathering, "conduit.gathering")

namespace conduit::gathering {

namespace {

constexpr int kSchemaVersion = 2;

// Durability (docs/data-gathering.md, "What is durable when"): WAL with
// synchronous=FULL syncs the WAL at every commit, so a committed put or
// acknowledge survives a power cut; NORMAL would only sync at checkpoints
// and could lose the last commits. secure_delete zeroes what is deleted;
// exclusive locking keeps a second process out (and the -shm file away).
const char *const kCountDrop =
    "INSERT INTO drops(class, priority, reason, items, bytes) VALUES(?,?,?,1,?)"
    " ON CONFLICT(class, priority, reason) DO UPDATE SET items = items + 1, bytes = bytes + excluded.bytes";

const char *const kPragmas = "PRAGMA locking_mode=EXCLUSIVE;"
                             "PRAGMA synchronous=FULL;"
                             "PRAGMA secure_delete=ON;"
                             "PRAGMA journal_size_limit=4194304;";

// One transaction, so that a cut leaves either no schema (user_version 0,
// created again at the next open) or all of it.
const char *const kSchema =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE items("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, campaign TEXT NOT NULL,"
    " class INTEGER NOT NULL, priority INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, size INTEGER NOT NULL, sha256 BLOB NOT NULL, payload BLOB, blob TEXT);"
    "CREATE INDEX items_send ON items(priority DESC, created_ms, id);"
    "CREATE INDEX items_evict ON items(priority, created_ms, id);"
    "CREATE INDEX items_expiry ON items(expires_ms);"
    "CREATE INDEX items_class ON items(class);"
    "CREATE INDEX items_campaign ON items(campaign);"
    "CREATE TABLE drops(class INTEGER NOT NULL, priority INTEGER NOT NULL, reason INTEGER NOT NULL,"
    " items INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(class, priority, reason));"
    "PRAGMA user_version=1;"
    "COMMIT;";

// Schema 2: where each item's bulk upload stands (storeupload.cpp). One
// transaction, like the first schema; a store of schema 1 is migrated at
// open, its items kept.
const char *const kMigrate2 =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE uploads(item INTEGER PRIMARY KEY, url TEXT NOT NULL, offset INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL);"
    "PRAGMA user_version=2;"
    "COMMIT;";

QString mib(qint64 b) { return QStringLiteral("%1 bytes").arg(b); }

} // namespace

Usage::Cell sum(const std::map<std::pair<DataClass, Priority>, Usage::Cell> &totals) {
    Usage::Cell s;
    for (const auto &[key, c] : totals) {
        s.items += c.items;
        s.bytes += c.bytes;
    }
    return s;
}

Store::Store(QString dir, Config config)
    : dir_(std::move(dir)), config_(std::move(config)), blobs_(dir_ + QStringLiteral("/blobs")) {
    if (!config_.clock) config_.clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
}

Store::~Store() = default;

qint64 Store::now() const { return config_.clock(); }

bool Store::leased(qint64 id, qint64 t) const {
    const auto it = leases_.find(id);
    return it != leases_.end() && it->second > t;
}

bool Store::open(StoreFailure *f) {
    if (!QDir().mkpath(dir_))
        return fail(f, StoreError::Io, QStringLiteral("cannot create the store directory %1").arg(dir_));
    if (!blobs_.open(f) || !db_.open(dir_ + QStringLiteral("/store.db"), f)) return false;
    if (!db_.exec(kPragmas, f)) return false;
    if (db_.single("PRAGMA journal_mode=WAL").compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        return fail(f, StoreError::Io, QStringLiteral("store database %1: WAL mode refused").arg(db_.path()));
    const QString version = db_.single("PRAGMA user_version");
    if (version.isEmpty()) {
        const StoreFailure why = db_.lastFailure(QStringLiteral("cannot read the store database %1").arg(db_.path()));
        return fail(f, why.code, why.message);
    }
    if (version.toInt() == 0 && !db_.exec(kSchema, f)) {
        db_.exec("ROLLBACK", nullptr);
        return false;
    }
    if (version.toInt() < 2 && !db_.exec(kMigrate2, f)) {
        db_.exec("ROLLBACK", nullptr);
        return false;
    }
    if (version.toInt() > kSchemaVersion)
        return fail(f, StoreError::Corrupt,
                    QStringLiteral("store database %1 has schema %2, newer than this host's %3")
                        .arg(db_.path(), version)
                        .arg(kSchemaVersion));
    leases_.clear();
    return loadTotals(f) && sweep(f);
}

bool Store::loadTotals(StoreFailure *f) {
    totals_.clear();
    drops_.clear();
    Statement s(db_, "SELECT class, priority, COUNT(*), SUM(size) FROM items GROUP BY class, priority");
    while (s.step()) {
        const auto c = dataClassFromInt(s.integer(0));
        const auto p = priorityFromInt(s.integer(1));
        if (!c || !p)
            return fail(f, StoreError::Corrupt,
                        QStringLiteral("store database %1 holds items of unknown class %2 or priority %3")
                            .arg(db_.path())
                            .arg(s.integer(0))
                            .arg(s.integer(1)));
        totals_[{*c, *p}] = {s.integer(2), s.integer(3)};
    }
    if (s.failed()) return s.fail(f);
    Statement d(db_, "SELECT class, priority, reason, items, bytes FROM drops");
    while (d.step()) {
        const auto c = dataClassFromInt(d.integer(0));
        const auto p = priorityFromInt(d.integer(1));
        const qint64 r = d.integer(2);
        if (!c || !p || r < qint64(DropReason::Evicted) || r > qint64(DropReason::Refused)) continue;
        drops_[{*c, *p, DropReason(r)}] = {d.integer(3), d.integer(4)};
    }
    return d.failed() ? d.fail(f) : true;
}

// After a cut: a blob renamed into place whose row never committed is
// removed; a row whose file is missing or short (never expected: the file
// is synced before the row) is dropped as Damaged, so next() never hands out
// half an item.
bool Store::sweep(StoreFailure *f) {
    blobs_.removeTemporaries();
    QSet<QString> referenced;
    QList<Victim> damaged;
    {
        Statement s(db_, "SELECT id, class, priority, size, blob FROM items WHERE blob IS NOT NULL");
        while (s.step()) {
            const Victim v{s.integer(0), DataClass(s.integer(1)), Priority(s.integer(2)), s.integer(3), s.text(4)};
            referenced.insert(v.blob);
            if (blobs_.sizeOf(v.blob) != v.size) damaged << v;
        }
        if (s.failed()) return s.fail(f);
    }
    for (const QString &name : blobs_.names())
        if (!referenced.contains(name)) {
            qCInfo(lcGathering) << "removing" << name << "(written, but its item was never stored)";
            blobs_.remove(name);
        }
    if (!damaged.isEmpty())
        qCWarning(lcGathering) << damaged.size() << "items have a missing or short payload file; dropping them";
    // Upload states are deleted with their items; none should be left over.
    return dropNow(damaged, DropReason::Damaged, f) &&
           db_.exec("DELETE FROM uploads WHERE item NOT IN (SELECT id FROM items)", f);
}

bool Store::dropNow(const QList<Victim> &victims, DropReason reason, StoreFailure *f) {
    if (victims.isEmpty()) return true;
    Totals totals = totals_;
    Transaction t(db_);
    if (!t.begin(f) || !drop(victims, reason, totals, f) || !t.commit(f)) {
        t.rollback();
        loadTotals(nullptr); // drop() counted in memory what was rolled back
        return false;
    }
    totals_ = totals;
    forget(victims);
    return true;
}

bool Store::prepareItem(const Item &in, qint64 t, Item *out, BlobFile *blob, StoreFailure *f) {
    const bool hasBytes = !in.bytes.isNull(), hasPath = !in.sourcePath.isEmpty();
    if (hasBytes == hasPath)
        return fail(f, StoreError::Invalid, QStringLiteral("an item needs exactly one payload (bytes or a file path)"));
    if (in.campaignId.isEmpty()) return fail(f, StoreError::Invalid, QStringLiteral("an item needs a campaign id"));
    *out = in;
    if (!out->createdMs) out->createdMs = t;
    if (!out->expiresMs) out->expiresMs = out->createdMs + config_.defaultRetentionMs;
    qint64 size = hasBytes ? in.bytes.size() : QFileInfo(in.sourcePath).size();
    if (hasPath && !QFileInfo(in.sourcePath).isFile())
        return fail(f, StoreError::Invalid, QStringLiteral("cannot read %1: not a file").arg(in.sourcePath));
    const auto quota = config_.classQuota.find(in.dataClass);
    const qint64 bound =
        quota == config_.classQuota.end() ? config_.maxBytes : std::min(config_.maxBytes, quota->second);
    if (size > bound)
        return fail(f, StoreError::Full,
                    QStringLiteral("an item of %1 (%2) is larger than the store's bound for it (%3)")
                        .arg(mib(size), nameOf(in.dataClass), mib(bound)));
    if (hasPath || size > config_.inlineLimit) {
        const bool ok = hasPath ? blobs_.copy(in.sourcePath, blob, f) : blobs_.write(in.bytes, blob, f);
        if (!ok) return false;
        out->bytes = QByteArray();
    }
    return true;
}

bool Store::put(const Item &item, qint64 *id, StoreFailure *f) {
    QList<qint64> ids;
    if (!put(QList<Item>{item}, &ids, f)) return false;
    *id = ids.value(0);
    return true;
}

bool Store::put(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f) {
    StoreFailure why;
    if (putAll(items, ids, &why)) return true;
    if (why.code == StoreError::Full) countRefused(items);
    return fail(f, why.code, why.message);
}

// Refused items are data lost too: counted like the drops. When even that
// cannot be written (a full disk), the count lives in memory until a restart.
void Store::countRefused(const QList<Item> &items) {
    Statement count(db_, kCountDrop);
    Transaction t(db_);
    bool durable = t.begin(nullptr);
    for (const Item &it : items) {
        const qint64 size = it.sourcePath.isEmpty() ? it.bytes.size() : QFileInfo(it.sourcePath).size();
        count.reset();
        count.bind(1, qint64(it.dataClass))
            .bind(2, qint64(it.priority))
            .bind(3, qint64(DropReason::Refused))
            .bind(4, size);
        durable = durable && count.run(nullptr);
        Usage::Cell &d = drops_[{it.dataClass, it.priority, DropReason::Refused}];
        ++d.items;
        d.bytes += size;
    }
    if (!durable || !t.commit(nullptr))
        qCWarning(lcGathering) << "cannot record" << items.size() << "refused items durably; counted until restart";
}

bool Store::putAll(const QList<Item> &items, QList<qint64> *ids, StoreFailure *f) {
    const qint64 t = now();
    QList<Item> ready;
    QList<BlobFile> files;
    auto discardFiles = [&] {
        for (const BlobFile &b : files)
            if (!b.name.isEmpty()) blobs_.remove(b.name);
    };
    Transaction tx(db_);
    // A failed transaction is rolled back and the drop counters come back
    // from disk.
    auto abort = [&] {
        tx.rollback();
        discardFiles();
        loadTotals(nullptr);
        return false;
    };
    for (const Item &in : items) {
        Item out;
        BlobFile blob;
        if (!prepareItem(in, t, &out, &blob, f)) {
            discardFiles();
            return false;
        }
        ready << out;
        files << blob;
    }
    const bool anyFile = std::any_of(files.begin(), files.end(), [](const BlobFile &b) { return !b.name.isEmpty(); });
    if (anyFile && !blobs_.syncDirectory(f)) {
        discardFiles();
        return false;
    }
    Totals totals = totals_;
    QList<Victim> expired, evicted;
    QList<qint64> newIds;
    {
        Statement old(db_, "SELECT id, class, priority, size, blob FROM items WHERE expires_ms <= ?");
        if (!tx.begin(f) || !collect(old.bind(1, t), expired, f) || !drop(expired, DropReason::Expired, totals, f))
            return abort();
        Statement insert(db_, "INSERT INTO items(kind, campaign, class, priority, created_ms, expires_ms, size, sha256,"
                              " payload, blob) VALUES(?,?,?,?,?,?,?,?,?,?)");
        for (int i = 0; i < ready.size(); ++i) {
            const Item &it = ready[i];
            const BlobFile &b = files[i];
            const qint64 size = b.name.isEmpty() ? it.bytes.size() : b.size;
            QList<Victim> room;
            const QSet<qint64> keep(newIds.begin(), newIds.end());
            if (!makeRoom(it, size, keep, totals, room, f) || !drop(room, DropReason::Evicted, totals, f))
                return abort();
            evicted << room;
            insert.reset();
            insert.bind(1, qint64(it.kind)).bind(2, it.campaignId).bind(3, qint64(it.dataClass));
            insert.bind(4, qint64(it.priority)).bind(5, it.createdMs).bind(6, it.expiresMs).bind(7, size);
            if (b.name.isEmpty())
                insert.bind(8, QCryptographicHash::hash(it.bytes, QCryptographicHash::Sha256))
                    .bind(9, it.bytes)
                    .bindNull(10);
            else
                insert.bind(8, b.sha256).bindNull(9).bind(10, b.name);
            if (!insert.run(f)) return abort();
            newIds << db_.lastInsertId();
            Usage::Cell &cell = totals[{it.dataClass, it.priority}];
            ++cell.items;
            cell.bytes += size;
        }
        if (!tx.commit(f)) return abort();
    }
    totals_ = totals;
    forget(expired);
    forget(evicted);
    *ids = newIds;
    return true;
}

// Chooses victims for one new item: within its class while the class quota
// is exceeded, then among all while the store's bounds are; each time the
// lowest priority first, then the oldest, never above the new item's
// priority, never a leased item nor one of this batch (`keep`). Drops them from `totals`, not from disk.
bool Store::makeRoom(const Item &item, qint64 size, const QSet<qint64> &keep, Totals &totals, QList<Victim> &victims,
                     StoreFailure *f) {
    const qint64 t = now();
    QSet<qint64> chosen;
    auto classBytes = [&] {
        qint64 b = 0;
        for (const auto &[key, c] : totals)
            if (key.first == item.dataClass) b += c.bytes;
        return b;
    };
    const auto quota = config_.classQuota.find(item.dataClass);
    struct Pass {
        const char *sql;
        std::function<bool()> over;
        QString bound;
    };
    const Pass passes[] = {
        {"SELECT id, class, priority, size, blob FROM items WHERE priority <= ? AND class = ? ORDER BY priority, "
         "created_ms, id",
         [&] { return quota != config_.classQuota.end() && classBytes() + size > quota->second; },
         QStringLiteral("the quota of %1").arg(nameOf(item.dataClass))},
        {"SELECT id, class, priority, size, blob FROM items WHERE priority <= ? AND ?2 = ?2 ORDER BY priority, "
         "created_ms, id",
         [&] {
             const Usage::Cell s = sum(totals);
             return s.bytes + size > config_.maxBytes || s.items + 1 > config_.maxItems;
         },
         QStringLiteral("the store's bounds")},
    };
    for (const Pass &pass : passes) {
        if (!pass.over()) continue;
        Statement s(db_, pass.sql);
        s.bind(1, qint64(item.priority)).bind(2, qint64(item.dataClass));
        while (pass.over() && s.step()) {
            const qint64 id = s.integer(0);
            if (leased(id, t) || chosen.contains(id) || keep.contains(id)) continue;
            const Victim v{id, DataClass(s.integer(1)), Priority(s.integer(2)), s.integer(3),
                           s.isNull(4) ? QString() : s.text(4)};
            chosen.insert(id);
            victims << v;
            Usage::Cell &cell = totals[{v.dataClass, v.priority}];
            --cell.items;
            cell.bytes -= v.size;
        }
        if (s.failed()) return s.fail(f);
        if (pass.over()) {
            // Put the chosen ones back: they stay, as this item is refused.
            for (const Victim &v : victims) {
                Usage::Cell &cell = totals[{v.dataClass, v.priority}];
                ++cell.items;
                cell.bytes += v.size;
            }
            victims.clear();
            return fail(f, StoreError::Full,
                        QStringLiteral(
                            "no room for an item of %1 (%2, %3) within %4: the rest is of higher priority or in upload")
                            .arg(mib(size), nameOf(item.dataClass), nameOf(item.priority), pass.bound));
        }
    }
    // drop() subtracts again: give back what was subtracted here.
    for (const Victim &v : victims) {
        Usage::Cell &cell = totals[{v.dataClass, v.priority}];
        ++cell.items;
        cell.bytes += v.size;
    }
    return true;
}

bool Store::collect(Statement &s, QList<Victim> &out, StoreFailure *f) {
    while (s.step())
        out << Victim{s.integer(0), DataClass(s.integer(1)), Priority(s.integer(2)), s.integer(3),
                      s.isNull(4) ? QString() : s.text(4)};
    return s.failed() ? s.fail(f) : true;
}

// Deletes the rows and counts them, inside the caller's transaction.
bool Store::drop(const QList<Victim> &victims, DropReason reason, Totals &totals, StoreFailure *f) {
    if (victims.isEmpty()) return true;
    Statement del(db_, "DELETE FROM items WHERE id = ?");
    Statement upload(db_, "DELETE FROM uploads WHERE item = ?");
    Statement count(db_, kCountDrop);
    for (const Victim &v : victims) {
        del.reset();
        upload.reset();
        count.reset();
        if (!del.bind(1, v.id).run(f) || !upload.bind(1, v.id).run(f)) return false;
        count.bind(1, qint64(v.dataClass)).bind(2, qint64(v.priority)).bind(3, qint64(reason)).bind(4, v.size);
        if (!count.run(f)) return false;
        Usage::Cell &cell = totals[{v.dataClass, v.priority}];
        --cell.items;
        cell.bytes -= v.size;
    }
    for (const Victim &v : victims) {
        Usage::Cell &d = drops_[{v.dataClass, v.priority, reason}];
        ++d.items;
        d.bytes += v.size;
    }
    return true;
}

// After the commit that deleted them: their files and leases go.
void Store::forget(const QList<Victim> &victims) {
    for (const Victim &v : victims) {
        if (!v.blob.isEmpty()) blobs_.remove(v.blob);
        leases_.erase(v.id);
    }
}

} // namespace conduit::gathering
