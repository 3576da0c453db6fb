// The metadata directory of `conduitctl tuf` (the client-under-test layout of
// the TUF conformance suite, CLIENT-CLI.md): the trusted metadata of one TUF
// repository, one file per role under its non-versioned name (root.json,
// timestamp.json, snapshot.json, targets.json, <delegated role>.json), each
// byte for byte as it was fetched and verified. It is the client's whole
// trusted state: load() rebuilds the RepositoryState from it, so the next
// refresh starts where the last one ended, and nothing else (no state file)
// lives there.
#pragma once

#include "trust/repository.h"

#include <QStringList>

namespace conduit::ctl {

class TufMetadataDir {
public:
    explicit TufMetadataDir(QString path) : m_path(std::move(path)) {}
    const QString &path() const { return m_path; }

    // Trust on first use: writes `trustedRoot` as root.json once it is signed
    // by its own root threshold. Refuses a directory that already has one.
    trust::Status init(const QByteArray &trustedRoot) const;

    // The trusted state. root.json must verify against its own keys; every
    // other role file is checked against the keys that delegate it
    // (signatures only: expiry and versions are the refresh's business). A
    // file that does not verify is not trusted: it is removed and `notes`
    // says why.
    trust::Result<trust::RepositoryState> load(QStringList *notes) const;

    // After a refresh (complete or not): writes each file it verified, in
    // the TUF order (root first), each atomically, and removes the files of
    // roles it no longer trusts (timestamp and snapshot after a key
    // rotation, delegations that were dropped).
    trust::Status persist(const trust::RepositoryState &before, const trust::RefreshProgress &progress) const;

private:
    QString filePath(const QString &role) const;
    trust::Status write(const QString &role, const QByteArray &bytes) const;
    trust::Status remove(const QString &role) const;

    QString m_path;
};

} // namespace conduit::ctl
