#include "tufmetadatadir.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace conduit::ctl {

using namespace trust;

namespace {

const QString kRoot = QStringLiteral("root");
const QString kTimestamp = QStringLiteral("timestamp");
const QString kSnapshot = QStringLiteral("snapshot");
const QString kTargets = QStringLiteral("targets");

TrustError storageError(const QString &message) { return trustError(TrustErrorKind::Storage, message); }

// One role file of the directory, checked as load() promises.
class RoleLoader {
public:
    RoleLoader(const QString &directory, QStringList *notes) : m_directory(directory), m_notes(notes) {}

    // The file's metadata when it is there and signed by the role's
    // threshold of `keys`; else nullopt, and a file that fails is removed.
    std::optional<SignedMetadata> load(const QString &role, const QString &type, qint64 limit, const KeyRing &keys,
                                       const RoleKeys &roleKeys) {
        QFile file(m_directory + u'/' + role + QStringLiteral(".json"));
        if (!file.exists()) return std::nullopt;
        if (!file.open(QIODevice::ReadOnly)) {
            m_notes->append(
                QStringLiteral("%1 is unreadable (%2): not trusted").arg(file.fileName(), file.errorString()));
            return std::nullopt;
        }
        auto md = parseSignedMetadata(file.read(limit + 1), type, limit);
        if (!md) {
            drop(role, md.error());
            return std::nullopt;
        }
        if (auto signature = verifyThreshold(*md, keys, roleKeys, role); !signature) {
            drop(role, signature.error());
            return std::nullopt;
        }
        return std::move(*md);
    }

    void drop(const QString &role, const TrustError &why) {
        const QString path = m_directory + u'/' + role + QStringLiteral(".json");
        QFile::remove(path);
        m_notes->append(QStringLiteral("%1 does not verify against the trusted metadata and was removed: %2")
                            .arg(path, why.message));
    }

private:
    QString m_directory;
    QStringList *m_notes;
};

} // namespace

QString TufMetadataDir::filePath(const QString &role) const { return m_path + u'/' + role + QStringLiteral(".json"); }

Status TufMetadataDir::init(const QByteArray &trustedRoot) const {
    if (QFile::exists(filePath(kRoot))) {
        return storageError(QStringLiteral("%1 is already initialised (it has a root.json); "
                                           "a client's trusted root is never replaced in place")
                                .arg(m_path));
    }
    auto state = stateFromInitialRoot(trustedRoot);
    if (!state)
        return trustError(state.error().kind, QStringLiteral("the trusted root: %1").arg(state.error().message));
    if (!QDir().mkpath(m_path)) return storageError(QStringLiteral("cannot create %1").arg(m_path));
    return write(kRoot, trustedRoot);
}

Result<RepositoryState> TufMetadataDir::load(QStringList *notes) const {
    const RoleLimits limits;
    QFile rootFile(filePath(kRoot));
    if (!rootFile.exists()) {
        return storageError(
            QStringLiteral("%1 has no root.json: run `conduitctl tuf --metadata-dir %1 init ROOT.json` first")
                .arg(m_path));
    }
    if (!rootFile.open(QIODevice::ReadOnly))
        return storageError(QStringLiteral("cannot read %1: %2").arg(rootFile.fileName(), rootFile.errorString()));
    const QByteArray rootRaw = rootFile.read(limits.root + 1);
    auto state = stateFromInitialRoot(rootRaw, limits);
    if (!state)
        return trustError(state.error().kind, QStringLiteral("%1: %2").arg(rootFile.fileName(), state.error().message));
    auto rootMetadata = parseSignedMetadata(rootRaw, kRoot, limits.root);
    auto root = rootMetadata ? parseRoot(std::move(*rootMetadata)) : Result<RootMetadata>(rootMetadata.error());
    if (!root) // stateFromInitialRoot() parsed it already
        return root.error();

    RoleLoader roles(m_path, notes);
    if (auto md = roles.load(kTimestamp, kTimestamp, limits.timestamp, root->keys, root->roles.at(kTimestamp))) {
        auto timestamp = parseTimestamp(std::move(*md));
        if (timestamp)
            state->timestamp = TrustedRole{timestamp->metadata.version, sha256Hex(timestamp->metadata.raw)};
        else
            roles.drop(kTimestamp, timestamp.error());
    }
    if (auto md = roles.load(kSnapshot, kSnapshot, limits.snapshot, root->keys, root->roles.at(kSnapshot))) {
        auto snapshot = parseSnapshot(std::move(*md));
        if (snapshot) {
            state->snapshot = TrustedRole{snapshot->metadata.version, sha256Hex(snapshot->metadata.raw)};
            for (const auto &[name, file] : snapshot->files) state->snapshotMeta[name] = file.version;
        } else {
            roles.drop(kSnapshot, snapshot.error());
        }
    }
    auto md = roles.load(kTargets, kTargets, limits.targets, root->keys, root->roles.at(kTargets));
    if (!md) return std::move(*state);
    auto targets = parseTargets(std::move(*md));
    if (!targets) {
        roles.drop(kTargets, targets.error());
        return std::move(*state);
    }
    state->targets[kTargets] = TrustedRole{targets->metadata.version, sha256Hex(targets->metadata.raw)};
    for (const DelegatedRole &role : targets->delegations) {
        auto delegatedMd = roles.load(role.name, kTargets, limits.targets, targets->delegationKeys, role.keys);
        if (!delegatedMd) continue;
        auto delegated = parseTargets(std::move(*delegatedMd));
        if (delegated)
            state->targets[role.name] = TrustedRole{delegated->metadata.version, sha256Hex(delegated->metadata.raw)};
        else
            roles.drop(role.name, delegated.error());
    }
    return std::move(*state);
}

Status TufMetadataDir::persist(const RepositoryState &before, const RefreshProgress &progress) const {
    const QStringList topLevel{kRoot, kTimestamp, kSnapshot, kTargets};
    for (const QString &role : topLevel) {
        if (auto it = progress.files.find(role); it != progress.files.end()) {
            if (auto written = write(role, it->second); !written) return written;
        }
    }
    for (const auto &[role, bytes] : progress.files) {
        if (topLevel.contains(role)) continue;
        if (auto written = write(role, bytes); !written) return written;
    }
    if (before.timestamp.version != 0 && progress.state.timestamp.version == 0) {
        if (auto removed = remove(kTimestamp); !removed) return removed;
    }
    if (before.snapshot.version != 0 && progress.state.snapshot.version == 0) {
        if (auto removed = remove(kSnapshot); !removed) return removed;
    }
    for (const auto &[role, trusted] : before.targets) {
        if (progress.state.targets.count(role) != 0) continue;
        if (auto removed = remove(role); !removed) return removed;
    }
    return Ok{};
}

Status TufMetadataDir::write(const QString &role, const QByteArray &bytes) const {
    // QSaveFile: a temporary file, flushed to disk, renamed over the old one.
    QSaveFile file(filePath(role));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return storageError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    return Ok{};
}

Status TufMetadataDir::remove(const QString &role) const {
    QFile file(filePath(role));
    if (file.exists() && !file.remove())
        return storageError(QStringLiteral("cannot remove %1: %2").arg(file.fileName(), file.errorString()));
    return Ok{};
}

} // namespace conduit::ctl
