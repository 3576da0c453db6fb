// The payload files of the store (items too large to keep in the database):
// one file per item in <store>/blobs/, written so that it is complete on
// disk before the database row that names it is committed:
//   write to .tmp-<name>, fsync, rename to <name>, fsync the directory.
// A file without a row (a cut between the two) is removed when the store is
// opened (Store::open sweeps with names()). Names are random, never reused,
// and never derived from content: two items with the same bytes are two
// files, so deleting one can never take the other's payload.
#pragma once

#include "storeerror.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace conduit::gathering {

struct BlobFile {
    QString name;
    qint64 size = 0;
    QByteArray sha256;
};

class BlobDir {
public:
    explicit BlobDir(QString dir) : dir_(std::move(dir)) {}

    bool open(StoreFailure *f);
    // Writes the bytes (or copies the file) durably, without the final
    // directory fsync: call syncDirectory() once for a batch, before the rows.
    bool write(const QByteArray &bytes, BlobFile *out, StoreFailure *f);
    bool copy(const QString &sourcePath, BlobFile *out, StoreFailure *f);
    bool syncDirectory(StoreFailure *f);
    // Unlinks; a missing file is not an error (the deletion already happened).
    void remove(const QString &name);
    QString path(const QString &name) const { return dir_ + QLatin1Char('/') + name; }
    // The committed files (no temporary ones) and the temporary leftovers.
    QStringList names() const;
    void removeTemporaries();
    qint64 sizeOf(const QString &name) const; // -1 when missing

private:
    bool writeFrom(int inFd, const QByteArray *bytes, BlobFile *out, StoreFailure *f);
    QString dir_;
};

} // namespace conduit::gathering
