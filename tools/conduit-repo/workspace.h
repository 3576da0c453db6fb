// The release engineer's repository on disk: a Director and an Image TUF
// repository with their keys, staged targets and the signed metadata.
//
//   DIR/conduit-repo.json                 { "format": 1 }
//   DIR/keys/<repo>-<role>-<keyid:16>.pem PKCS#8 private keys, mode 0600 (directory 0700)
//   DIR/<repo>/state.json                 roles (key files, threshold, version, expires),
//                                         the targets to sign (unsigned staging) and,
//                                         for image, delegated roles with their targets
//   DIR/<repo>/metadata/                  signed metadata as a TUF client fetches it:
//                                         N.root.json (every version), timestamp.json,
//                                         V.snapshot.json, V.targets.json, V.<delegated>.json
//   DIR/image/targets/<name>              the image files added with add-target
//
// <repo> is "director" or "image". state.json is canonical JSON so that a
// diff between two releases is readable.
#pragma once

#include "trust/canonicaljson.h"
#include "trust/keys.h"
#include "trust/repository.h"

#include <QDateTime>
#include <QFileDevice>
#include <QStringList>

#include <map>

namespace conduit::repo {

using trust::JsonValue;
using trust::Result;
using trust::SigningKey;
using trust::Status;

inline const QStringList kRepositories{QStringLiteral("director"), QStringLiteral("image")};
inline const QStringList kRoles{QStringLiteral("root"), QStringLiteral("timestamp"), QStringLiteral("snapshot"),
                                QStringLiteral("targets")};

struct RoleState {
    QStringList keyFiles; // relative to DIR
    qint64 threshold = 1;
    qint64 version = 1;
    QDateTime expires;
};

// A role the Image repository's top-level targets delegates to (one level).
struct DelegationState {
    RoleState role;
    QStringList paths;                    // TUF patterns, e.g. "powertrain/*"
    std::map<QString, JsonValue> targets; // target name -> TUF targets entry
};

struct RepositoryState {
    std::map<QString, RoleState> roles;             // root, timestamp, snapshot, targets
    std::map<QString, JsonValue> targets;           // target name -> TUF targets entry
    std::map<QString, DelegationState> delegations; // image only; role name -> role

    // The entry of `name` in top-level or delegated targets, or nullptr.
    const JsonValue *findTarget(const QString &name) const;
    // Every target name, top-level and delegated.
    QStringList targetNames() const;
};

// Errors of the tool reuse the trust module's Result/TrustError.
trust::TrustError toolError(const QString &message);

Result<QByteArray> readFile(const QString &path, qint64 maxBytes = 64 * 1024 * 1024);
// Replaces `path` atomically (QSaveFile), with `permissions` when given.
Status writeFile(const QString &path, const QByteArray &bytes, QFileDevice::Permissions permissions = {});

// Writes a private key file (0600) atomically.
Status writeKeyFile(const QString &path, const SigningKey &key);
Result<SigningKey> readKeyFile(const QString &path);
// A key of `type` ("ed25519" or "ecdsa"); deterministic when `seed` (32 bytes) is given.
Result<SigningKey> makeKey(const QString &type, const QByteArray &seed);

class Workspace {
public:
    // Creates DIR with both repositories; `keys` may hold given keys per
    // "<repo>.<role>"; the others are generated (deterministically from `seed`).
    static Result<Workspace> create(const QString &dir, const QString &keyType, const QByteArray &seed,
                                    const std::map<QString, SigningKey> &keys, const QDateTime &now);
    static Result<Workspace> open(const QString &dir);

    QString dir() const { return m_dir; }
    QString path(const QString &relative) const { return m_dir + u'/' + relative; }
    QString metadataDir(const QString &repository) const { return path(repository + QStringLiteral("/metadata")); }
    QString targetFile(const QString &name) const { return path(QStringLiteral("image/targets/") + name); }

    RepositoryState &repository(const QString &name) { return m_repos[name]; }
    const RepositoryState &repository(const QString &name) const { return m_repos.at(name); }

    // Stores a key file for <repo>.<role> and returns its relative path.
    Result<QString> storeKey(const QString &repository, const QString &role, const SigningKey &key);

    // Adds a delegated role to the Image repository (signed at the next sign()).
    Status addDelegation(const QString &name, const QStringList &paths, const SigningKey &key, const QDateTime &now);

    // Replaces the keys of a role and publishes root N+1, signed by the
    // previous root's keys and the new ones.
    Status rotate(const QString &repository, const QString &role, const SigningKey &newKey, const QDateTime &now);
    // A new release of both repositories: timestamp, snapshot and targets
    // versions + 1 (unless `bump` is false), expiry now + days, signed and
    // written to metadata/.
    Status sign(const QDateTime &now, int expiresDays, bool bump = true);
    // Persists state.json of both repositories.
    Status save() const;

    // File name -> bytes of the current signed metadata of a repository.
    Result<std::map<QString, QByteArray>> currentMetadata(const QString &repository) const;

private:
    Result<std::vector<SigningKey>> loadKeys(const RoleState &role) const;
    Result<QByteArray> signRoot(const QString &repository, const std::vector<SigningKey> &extraSigners);
    Status signRepository(const QString &repository, const QDateTime &now, int expiresDays, bool bump);

    QString m_dir;
    std::map<QString, RepositoryState> m_repos;
};

} // namespace conduit::repo
