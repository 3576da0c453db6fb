#include "database_p.h"

#include <QFile>

#include <sqlite3.h>

#include <cerrno>

namespace conduit::gathering {

Statement::Statement(Database &db, const char *sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) failed_ = true;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement &Statement::bind(int i, qint64 v) {
    if (stmt_ && sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) failed_ = true;
    return *this;
}

Statement &Statement::bind(int i, const QString &v) {
    const QByteArray u = v.toUtf8();
    if (stmt_ && sqlite3_bind_text(stmt_, i, u.constData(), int(u.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        failed_ = true;
    return *this;
}

Statement &Statement::bind(int i, const QByteArray &v) {
    // An empty QByteArray must still be a zero-length BLOB, not NULL.
    static const char empty = 0;
    const char *p = v.isEmpty() ? &empty : v.constData();
    if (stmt_ && sqlite3_bind_blob(stmt_, i, p, int(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) failed_ = true;
    return *this;
}

Statement &Statement::bindNull(int i) {
    if (stmt_ && sqlite3_bind_null(stmt_, i) != SQLITE_OK) failed_ = true;
    return *this;
}

bool Statement::step() {
    if (!stmt_ || failed_) {
        failed_ = true;
        return false;
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) failed_ = true;
    return false;
}

bool Statement::run(StoreFailure *f) {
    while (step()) {}
    return failed_ ? fail(f) : true;
}

bool Statement::fail(StoreFailure *f) const {
    if (f) *f = db_.lastFailure(QStringLiteral("store database %1").arg(db_.path()));
    return false;
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    failed_ = stmt_ == nullptr;
}

qint64 Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

QString Statement::text(int col) const {
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, col));
    return QString::fromUtf8(p, sqlite3_column_bytes(stmt_, col));
}

QByteArray Statement::blob(int col) const {
    const auto *p = static_cast<const char *>(sqlite3_column_blob(stmt_, col));
    return QByteArray(p, sqlite3_column_bytes(stmt_, col));
}

bool Statement::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Database::~Database() { close(); }

bool Database::open(const QString &path, StoreFailure *f) {
    path_ = path;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        if (f) *f = lastFailure(QStringLiteral("cannot open the store database %1").arg(path));
        close();
        return false;
    }
    sqlite3_extended_result_codes(db_, 1);
    return true;
}

void Database::close() {
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
}

bool Database::exec(const char *sql, StoreFailure *f) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK) return true;
    if (f) *f = lastFailure(QStringLiteral("store database %1").arg(path_));
    return false;
}

QString Database::single(const char *sql) {
    Statement s(*this, sql);
    return s.step() ? s.text(0) : QString();
}

qint64 Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }

qint64 Database::changes() const { return sqlite3_changes64(db_); }

StoreFailure Database::lastFailure(const QString &what) const {
    const int rc = db_ ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN;
    const QString msg = db_ ? QString::fromUtf8(sqlite3_errmsg(db_)) : QStringLiteral("out of memory");
    // A full disk surfaces as SQLITE_FULL only when a write says ENOSPC; a
    // failed sync or truncate is SQLITE_IOERR_*, the WAL that cannot be
    // created SQLITE_CANTOPEN, and SQLite's errno is not reliable by then.
    const bool noSpace = db_ && sqlite3_system_errno(db_) == ENOSPC;
    switch (rc) {
    case SQLITE_IOERR_WRITE:
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_TRUNCATE:
        return {StoreError::Io, QStringLiteral("%1: the disk is full or failing (%2)").arg(what, msg)};
    default: break;
    }
    if (noSpace) return {StoreError::Io, QStringLiteral("%1: disk full (%2)").arg(what, msg)};
    switch (rc & 0xff) {
    case SQLITE_FULL: return {StoreError::Io, QStringLiteral("%1: disk full (%2)").arg(what, msg)};
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return {StoreError::Corrupt, QStringLiteral("%1: damaged (%2)").arg(what, msg)};
    default: return {StoreError::Io, QStringLiteral("%1: %2").arg(what, msg)};
    }
}

Transaction::~Transaction() { rollback(); }

void Transaction::rollback() {
    if (open_) db_.exec("ROLLBACK", nullptr);
    open_ = false;
}

bool Transaction::begin(StoreFailure *f) {
    open_ = db_.exec("BEGIN IMMEDIATE", f);
    return open_;
}

bool Transaction::commit(StoreFailure *f) {
    if (!db_.exec("COMMIT", f)) return false; // the destructor rolls back
    open_ = false;
    return true;
}

} // namespace conduit::gathering
