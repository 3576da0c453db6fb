// A small RAII layer over the SQLite C API for the store: one connection,
// prepared statements, errors turned into StoreFailure with SQLite's message.
// Private to host/gathering.
#pragma once

#include "storeerror.h"

#include <QByteArray>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

namespace conduit::gathering {

class Database;

class Statement {
public:
    Statement(Database &db, const char *sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int i, qint64 v);
    Statement &bind(int i, const QString &v);
    Statement &bind(int i, const QByteArray &v); // as a BLOB
    Statement &bindNull(int i);
    // One step: true with a row, false when done or on an error (then
    // failed() is true and the database holds the message).
    bool step();
    // Runs to the end (for writes); false on an error.
    bool run(StoreFailure *f);
    bool failed() const { return failed_; }
    bool fail(StoreFailure *f) const;
    void reset();

    qint64 integer(int col) const;
    QString text(int col) const;
    QByteArray blob(int col) const;
    bool isNull(int col) const;

private:
    Database &db_;
    sqlite3_stmt *stmt_ = nullptr;
    bool failed_ = false;
};

class Database {
public:
    Database() = default;
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    bool open(const QString &path, StoreFailure *f);
    void close();
    bool isOpen() const { return db_ != nullptr; }
    // Runs one or more statements without results.
    bool exec(const char *sql, StoreFailure *f);
    // A PRAGMA or query with a single text/integer result.
    QString single(const char *sql);
    qint64 lastInsertId() const;
    // Rows changed by the last INSERT, UPDATE or DELETE.
    qint64 changes() const;
    // The failure of the last call, classified (SQLITE_FULL: Io "disk full",
    // SQLITE_CORRUPT/NOTADB: Corrupt, others: Io) and prefixed by `what`.
    StoreFailure lastFailure(const QString &what) const;
    sqlite3 *handle() const { return db_; }
    const QString &path() const { return path_; }

private:
    sqlite3 *db_ = nullptr;
    QString path_;
};

// A write transaction: BEGIN IMMEDIATE now, ROLLBACK unless commit() succeeded.
class Transaction {
public:
    explicit Transaction(Database &db) : db_(db) {}
    ~Transaction();
    bool begin(StoreFailure *f);
    bool commit(StoreFailure *f);
    void rollback();

private:
    Database &db_;
    bool open_ = false;
};

} // namespace conduit::gathering
