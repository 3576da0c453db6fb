// Builds and signs a TUF repository in memory: what conduit-repo writes to
// disk and what the tests use to stage good updates and attacks. All fields
// are public on purpose: a test changes one thing (a key, a version, an
// expiry, a signer) and publishes again.
#pragma once

#include "trust/keys.h"
#include "trust/repository.h"

#include <QDateTime>

#include <optional>
#include <vector>

namespace conduit::trust {

struct BuilderRole {
    std::vector<SigningKey> keys; // listed as the role's keys
    qint64 threshold = 1;
    qint64 version = 1;
    QDateTime expires;
    std::optional<std::vector<SigningKey>> signers; // default: `keys`
    const std::vector<SigningKey> &signingKeys() const { return signers ? *signers : keys; }
};

struct BuilderDelegation {
    QString name;
    BuilderRole role;
    QStringList paths;
    bool terminating = true;
    std::map<QString, JsonValue> targets;
};

// Signs `signedPart` with each key and returns the metadata file (compact JSON).
QByteArray signMetadata(const JsonValue &signedPart, const std::vector<SigningKey> &signers);
// A targets entry: length, sha256 and sha512 of `content`, and `custom` if not null.
JsonValue targetEntry(QByteArrayView content, const JsonValue &custom = {});

class RepositoryBuilder {
public:
    // Role keys are Ed25519 keys derived from `label` (deterministic).
    RepositoryBuilder(const QString &label, const QDateTime &now);
    static SigningKey seededKey(const QString &label);

    BuilderRole root, timestamp, snapshot, targets;
    std::vector<BuilderDelegation> delegations;
    std::map<QString, JsonValue> targetFiles;
    bool consistentSnapshot = true;
    bool listLengthsAndHashes = true;  // in timestamp and snapshot meta
    bool addDelegationsMember = false; // write "delegations" even when empty

    void addTarget(const QString &name, QByteArrayView content, const JsonValue &custom = {});
    // Version 1 of root (created on first use, then fixed).
    QByteArray initialRoot();
    // Publishes root version N+1, signed by the previous root keys and the
    // current `root.keys`; call after changing any role's keys.
    void rotateRoot();
    // Signs the latest root version again (e.g. after a test published a
    // badly signed one) with the previous root keys and the current ones.
    void resignLatestRoot();
    // A new release: timestamp, snapshot and targets versions + 1.
    void bumpVersions();
    // Writes every root version, timestamp, snapshot, targets and delegated
    // targets into `out` under their TUF file names.
    void publish(MemorySource &out);

    JsonValue rootSigned() const;
    JsonValue targetsSigned() const;
    JsonValue delegatedSigned(const BuilderDelegation &delegation) const;
    QString fileName(const QString &role, qint64 version) const;

private:
    std::vector<QByteArray> m_rootHistory;
    std::vector<std::vector<SigningKey>> m_rootKeysByVersion; // keys listed by each root version
};

} // namespace conduit::trust
