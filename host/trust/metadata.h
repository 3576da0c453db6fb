// TUF 1.0 metadata model: the signed envelope, the four top-level roles and
// one-level delegations, plus the checks that belong to a single file
// (signature threshold, expiry, hashes against a listing).
#pragma once

#include "trust/canonicaljson.h"
#include "trust/keys.h"
#include "trust/trusterror.h"

#include <QDateTime>
#include <QStringList>

#include <map>
#include <optional>
#include <vector>

namespace conduit::trust {

struct Signature {
    QString keyId;
    QByteArray bytes; // empty: an "unsigned" placeholder, skipped
};

// One metadata file: { "signatures": [...], "signed": {...} }.
struct SignedMetadata {
    QString type; // signed._type
    qint64 version = 0;
    QDateTime expires; // UTC
    JsonValue signedPart;
    QByteArray canonicalSigned; // the bytes the signatures cover
    std::vector<Signature> signatures;
    QByteArray raw; // as fetched, for hashing and persisting
};

// Parses and checks the envelope and `_type` (expectedType "targets" also for
// delegated roles). The byte limit is enforced before parsing.
Result<SignedMetadata> parseSignedMetadata(QByteArrayView raw, const QString &expectedType, qint64 maxBytes);

using KeyRing = std::map<QString, PublicKey>; // keyid -> key

struct RoleKeys {
    QStringList keyIds;
    qint64 threshold = 1;
};

// Counts valid signatures from keys listed for the role, each key once (by
// key material, so a key listed under two key ids still counts once).
Status verifyThreshold(const SignedMetadata &metadata, const KeyRing &keys, const RoleKeys &role,
                       const QString &roleName);

// Expired at or before `now` gives a freeze-attack error.
Status checkNotExpired(const SignedMetadata &metadata, const QString &roleName, const QDateTime &now);

struct RootMetadata {
    SignedMetadata metadata;
    bool consistentSnapshot = false;
    KeyRing keys;
    std::map<QString, RoleKeys> roles; // root, timestamp, snapshot, targets
};
Result<RootMetadata> parseRoot(SignedMetadata metadata);

// An entry of timestamp.meta or snapshot.meta.
struct MetaFile {
    qint64 version = 0;
    std::optional<qint64> length;
    std::map<QString, QString> hashes; // algorithm -> lowercase hex
};
// Checks optional length and all hashes of a listed metadata file.
Status checkMetaFile(QByteArrayView raw, const MetaFile &listing, const QString &fileName, const QString &listedIn);

struct TimestampMetadata {
    SignedMetadata metadata;
    MetaFile snapshot;
};
Result<TimestampMetadata> parseTimestamp(SignedMetadata metadata);

struct SnapshotMetadata {
    SignedMetadata metadata;
    std::map<QString, MetaFile> files; // "targets.json", "<role>.json"
};
Result<SnapshotMetadata> parseSnapshot(SignedMetadata metadata);

struct TargetFile {
    QString name;
    qint64 length = 0;
    std::map<QString, QString> hashes; // algorithm -> lowercase hex
    JsonValue custom;                  // null when absent
};

struct DelegatedRole {
    QString name;
    RoleKeys keys;
    QStringList paths;            // TUF patterns, '*' does not cross '/'
    QStringList pathHashPrefixes; // alternative to paths
    bool terminating = false;
    bool matches(const QString &targetName) const;
};

struct TargetsMetadata {
    SignedMetadata metadata;
    std::map<QString, TargetFile> targets;
    bool hasDelegations = false; // a "delegations" member is present
    KeyRing delegationKeys;
    std::vector<DelegatedRole> delegations; // in priority order
};
Result<TargetsMetadata> parseTargets(SignedMetadata metadata);

// A target name that cannot escape a directory: relative, '/'-separated, no
// empty, "." or ".." segments, no backslash or control characters.
bool isSafeTargetName(const QString &name);
// A role name usable inside a file name.
bool isSafeRoleName(const QString &name);

QString formatExpiry(const QDateTime &time); // "2030-01-01T00:00:00Z"
std::optional<QDateTime> parseExpiry(const QString &text);

} // namespace conduit::trust
