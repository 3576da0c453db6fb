// The TUF 1.0 client workflow for one repository (Director or Image):
// root chain, timestamp, snapshot, top-level targets and one level of
// delegated targets, checked against the trusted state and a reference time.
//
// refreshRepository() is a pure function of (trusted state, fetched bytes,
// time): it returns the verified metadata and the *new* state, and never
// changes the trusted state itself. The caller persists the new state only
// when the whole update (both repositories, Uptane checks) succeeded.
#pragma once

#include "trust/metadata.h"

#include <QHash>

namespace conduit::trust {

// Where metadata comes from: a directory, HTTP, an offline bundle.
class MetadataSource {
public:
    virtual ~MetadataSource() = default;
    // `name` is a TUF file name ("2.root.json", "timestamp.json", ...).
    // Returns nullopt if absent. A source should stop reading after
    // maxBytes + 1 bytes; anything longer than maxBytes is refused.
    virtual std::optional<QByteArray> fetch(const QString &name, qint64 maxBytes) = 0;
};

class DirectorySource : public MetadataSource {
public:
    explicit DirectorySource(QString directory) : m_directory(std::move(directory)) {}
    std::optional<QByteArray> fetch(const QString &name, qint64 maxBytes) override;

private:
    QString m_directory;
};

class MemorySource : public MetadataSource {
public:
    std::optional<QByteArray> fetch(const QString &name, qint64 maxBytes) override;
    void put(const QString &name, const QByteArray &bytes) { m_files.insert(name, bytes); }
    void remove(const QString &name) { m_files.remove(name); }
    std::optional<QByteArray> file(const QString &name) const;
    QStringList names() const { return m_files.keys(); }

private:
    QHash<QString, QByteArray> m_files;
};

struct RoleLimits {
    qint64 root = 512 * 1024;
    qint64 timestamp = 16 * 1024;
    qint64 snapshot = 2 * 1024 * 1024;
    qint64 targets = 16 * 1024 * 1024; // per targets file, also delegated
    int maxRootRotations = 256;
    int maxDelegations = 256;
};

struct TrustedRole {
    qint64 version = 0; // 0: nothing trusted yet
    QString sha256;     // of the trusted file, to refuse changed content under an unchanged version
    bool operator==(const TrustedRole &) const = default;
};

// What a repository client must remember between updates.
struct RepositoryState {
    QByteArray root; // the trusted root metadata file
    TrustedRole timestamp;
    TrustedRole snapshot;
    std::map<QString, qint64> snapshotMeta; // file name -> version in the trusted snapshot
    std::map<QString, TrustedRole> targets; // "targets", delegated role names

    qint64 rootVersion() const;
    JsonValue toJson() const;
    static Result<RepositoryState> fromJson(const JsonValue &json);
    bool operator==(const RepositoryState &) const = default;
};

// Trust on first use of a provisioned root: parse it and check that it is
// signed by its own root threshold.
Result<RepositoryState> stateFromInitialRoot(const QByteArray &rootJson, const RoleLimits &limits = {});

struct VerifiedRepository {
    QString name;          // "director", "image": used in messages
    RepositoryState state; // the state to persist after a fully successful update
    RootMetadata root;
    TimestampMetadata timestamp;
    SnapshotMetadata snapshot;
    TargetsMetadata targets;
    std::map<QString, TargetsMetadata> delegated; // role name -> metadata

    // TUF pre-order search: top-level targets, then delegations in order,
    // stopping at a terminating role whose paths match.
    std::optional<TargetFile> findTarget(const QString &targetName) const;
    // File name of a target in targets/ (consistent snapshot: "<dir>/<sha256>.<base>").
    QString targetFilePath(const TargetFile &target) const;
};

// What one refresh verified, also when a later step failed. TUF persists
// each role as soon as it is verified (5.3.8, 5.4.5, 5.5.7, 5.6.6): a client
// that stores metadata role by role (`conduitctl tuf`) keeps these, so that a
// root rotation survives a bad timestamp. The host does not: it persists only
// a fully successful update.
struct RefreshProgress {
    RepositoryState state;               // `trusted` with exactly the roles below applied
    std::map<QString, QByteArray> files; // role ("root", "timestamp", "snapshot", "targets",
                                         // delegated names) -> the verified file, as fetched
};

// `progress`, when given, is filled on success and on failure.
Result<VerifiedRepository> refreshRepository(const QString &repositoryName, const RepositoryState &trusted,
                                             MetadataSource &source, const QDateTime &now,
                                             const RoleLimits &limits = {}, RefreshProgress *progress = nullptr);

} // namespace conduit::trust
