#include "trust/repository.h"

#include "trust/trustlog.h"

#include <QFile>

namespace conduit::trust {

namespace {

bool sameKeys(const RoleKeys &a, const RoleKeys &b) {
    QStringList left = a.keyIds;
    QStringList right = b.keyIds;
    left.sort();
    right.sort();
    return left == right;
}

TrustError inRepository(const QString &repository, const TrustError &error) {
    return trustError(error.kind, QStringLiteral("%1 repository: %2").arg(repository, error.message));
}

// Runs one step of the workflow; the macros keep the happy path readable.
#define TRUST_TRY(expr)                                                                                                \
    do {                                                                                                               \
        auto trustStatus_ = (expr);                                                                                    \
        if (!trustStatus_) return trustStatus_.error();                                                                \
    } while (0)

class Refresh {
public:
    Refresh(const QString &name, const RepositoryState &trusted, MetadataSource &source, const QDateTime &now,
            const RoleLimits &limits)
        : m_name(name), m_source(source), m_now(now), m_limits(limits) {
        m_out.name = name;
        m_out.state = trusted;
    }

    Result<VerifiedRepository> run(RefreshProgress *progress) {
        const Status status = steps();
        if (progress) {
            progress->state = m_out.state;
            for (const auto &[role, trusted] : m_newTargets) progress->state.targets[role] = trusted;
            progress->files = m_verifiedFiles;
        }
        if (!status) return inRepository(m_name, status.error());
        return std::move(m_out);
    }

private:
    Status steps() {
        TRUST_TRY(updateRoot());
        TRUST_TRY(updateTimestamp());
        TRUST_TRY(updateSnapshot());
        auto top =
            loadTargets(QStringLiteral("targets"), m_out.root.keys, m_out.root.roles.at(QStringLiteral("targets")));
        if (!top) return top.error();
        m_out.targets = std::move(*top);
        if (qsizetype(m_out.targets.delegations.size()) > m_limits.maxDelegations)
            return trustError(TrustErrorKind::TooLarge, QStringLiteral("too many delegations"));
        for (const DelegatedRole &role : m_out.targets.delegations) {
            auto delegated = loadTargets(role.name, m_out.targets.delegationKeys, role.keys);
            if (!delegated) return delegated.error();
            m_out.delegated.emplace(role.name, std::move(*delegated));
        }
        m_out.state.targets = m_newTargets;
        return Ok{};
    }

    Status updateRoot() {
        auto md = parseSignedMetadata(m_out.state.root, QStringLiteral("root"), m_limits.root);
        if (!md) return md.error();
        auto current = parseRoot(std::move(*md));
        if (!current) return current.error();
        const RoleKeys oldTimestamp = current->roles.at(QStringLiteral("timestamp"));
        const RoleKeys oldSnapshot = current->roles.at(QStringLiteral("snapshot"));

        for (int step = 0; step < m_limits.maxRootRotations; ++step) {
            const qint64 next = current->metadata.version + 1;
            const QString fileName = QStringLiteral("%1.root.json").arg(next);
            const auto raw = m_source.fetch(fileName, m_limits.root);
            if (!raw) break;
            auto nextMd = parseSignedMetadata(*raw, QStringLiteral("root"), m_limits.root);
            if (!nextMd) return nextMd.error();
            auto byOld = verifyThreshold(
                *nextMd, current->keys, current->roles.at(QStringLiteral("root")),
                QStringLiteral("root (keys of trusted root version %1)").arg(current->metadata.version));
            if (!byOld) return byOld.error();
            auto nextRoot = parseRoot(std::move(*nextMd));
            if (!nextRoot) return nextRoot.error();
            auto byNew = verifyThreshold(nextRoot->metadata, nextRoot->keys, nextRoot->roles.at(QStringLiteral("root")),
                                         QStringLiteral("root (its own keys)"));
            if (!byNew) return byNew.error();
            if (nextRoot->metadata.version != next) {
                return trustError(TrustErrorKind::Rollback,
                                  QStringLiteral("rollback attack: %1 holds root version %2, expected %3")
                                      .arg(fileName)
                                      .arg(nextRoot->metadata.version)
                                      .arg(next));
            }
            qCDebug(lcTrust) << m_name << "trusts root version" << next;
            current = std::move(nextRoot);
            m_out.state.root = *raw;
            m_verifiedFiles[QStringLiteral("root")] = *raw;
        }
        auto fresh = checkNotExpired(current->metadata, QStringLiteral("root"), m_now);
        if (!fresh) return fresh.error();
        const RoleKeys &newTimestamp = current->roles.at(QStringLiteral("timestamp"));
        const RoleKeys &newSnapshot = current->roles.at(QStringLiteral("snapshot"));
        if (!sameKeys(newTimestamp, oldTimestamp) || !sameKeys(newSnapshot, oldSnapshot)) {
            // Fast-forward attack recovery (TUF 5.3.11): versions signed by
            // rotated-out keys must not pin the client.
            qCInfo(lcTrust) << m_name << "timestamp/snapshot keys rotated: forgetting trusted versions";
            m_out.state.timestamp = {};
            m_out.state.snapshot = {};
            m_out.state.snapshotMeta.clear();
            m_out.state.targets.clear();
        }
        m_out.root = std::move(*current);
        return Ok{};
    }

    Status updateTimestamp() {
        const QString fileName = QStringLiteral("timestamp.json");
        const auto raw = m_source.fetch(fileName, m_limits.timestamp);
        if (!raw) return missingError(fileName);
        auto md = parseSignedMetadata(*raw, QStringLiteral("timestamp"), m_limits.timestamp);
        if (!md) return md.error();
        auto sig = verifyThreshold(*md, m_out.root.keys, m_out.root.roles.at(QStringLiteral("timestamp")),
                                   QStringLiteral("timestamp"));
        if (!sig) return sig.error();
        auto ts = parseTimestamp(std::move(*md));
        if (!ts) return ts.error();
        const TrustedRole &trusted = m_out.state.timestamp;
        const qint64 version = ts->metadata.version;
        auto same = checkVersion(QStringLiteral("timestamp"), trusted, version, *raw);
        if (!same) return same.error();
        if (ts->snapshot.version < m_out.state.snapshot.version) {
            return trustError(TrustErrorKind::Rollback, QStringLiteral("rollback attack: snapshot version %1 < %2")
                                                            .arg(ts->snapshot.version)
                                                            .arg(m_out.state.snapshot.version));
        }
        auto fresh = checkNotExpired(ts->metadata, QStringLiteral("timestamp"), m_now);
        if (!fresh) return fresh.error();
        m_out.state.timestamp = TrustedRole{version, sha256Hex(*raw)};
        m_verifiedFiles[QStringLiteral("timestamp")] = *raw;
        m_out.timestamp = std::move(*ts);
        return Ok{};
    }

    Status updateSnapshot() {
        const MetaFile &listing = m_out.timestamp.snapshot;
        const QString fileName = m_out.root.consistentSnapshot ? QStringLiteral("%1.snapshot.json").arg(listing.version)
                                                               : QStringLiteral("snapshot.json");
        const qint64 limit = std::min(listing.length.value_or(m_limits.snapshot), m_limits.snapshot);
        const auto raw = m_source.fetch(fileName, limit);
        if (!raw) return missingError(fileName);
        if (raw->size() > limit) return tooLarge(fileName, limit);
        auto listed = checkMetaFile(*raw, listing, QStringLiteral("snapshot.json"), QStringLiteral("timestamp"));
        if (!listed) return listed.error();
        auto md = parseSignedMetadata(*raw, QStringLiteral("snapshot"), limit);
        if (!md) return md.error();
        auto sig = verifyThreshold(*md, m_out.root.keys, m_out.root.roles.at(QStringLiteral("snapshot")),
                                   QStringLiteral("snapshot"));
        if (!sig) return sig.error();
        auto snapshot = parseSnapshot(std::move(*md));
        if (!snapshot) return snapshot.error();
        const qint64 version = snapshot->metadata.version;
        if (version != listing.version) {
            return trustError(TrustErrorKind::MixAndMatch,
                              QStringLiteral("mix-and-match attack: snapshot version %1 does not match timestamp (%2)")
                                  .arg(version)
                                  .arg(listing.version));
        }
        auto same = checkVersion(QStringLiteral("snapshot"), m_out.state.snapshot, version, *raw);
        if (!same) return same.error();
        for (const auto &[name, oldVersion] : m_out.state.snapshotMeta) {
            auto it = snapshot->files.find(name);
            if (it == snapshot->files.end()) {
                return trustError(
                    TrustErrorKind::Rollback,
                    QStringLiteral("rollback attack: %1 dropped from snapshot version %2").arg(name).arg(version));
            }
            if (it->second.version < oldVersion) {
                return trustError(TrustErrorKind::Rollback, QStringLiteral("rollback attack: %1 version %2 < %3")
                                                                .arg(QString(name).chopped(5))
                                                                .arg(it->second.version)
                                                                .arg(oldVersion));
            }
        }
        auto fresh = checkNotExpired(snapshot->metadata, QStringLiteral("snapshot"), m_now);
        if (!fresh) return fresh.error();
        m_out.state.snapshot = TrustedRole{version, sha256Hex(*raw)};
        m_out.state.snapshotMeta.clear();
        for (const auto &[name, file] : snapshot->files) m_out.state.snapshotMeta[name] = file.version;
        m_verifiedFiles[QStringLiteral("snapshot")] = *raw;
        m_out.snapshot = std::move(*snapshot);
        return Ok{};
    }

    Result<TargetsMetadata> loadTargets(const QString &role, const KeyRing &keys, const RoleKeys &roleKeys) {
        const QString listedName = role + QStringLiteral(".json");
        auto it = m_out.snapshot.files.find(listedName);
        if (it == m_out.snapshot.files.end()) {
            return trustError(TrustErrorKind::MixAndMatch,
                              QStringLiteral("mix-and-match attack: %1 is not listed in snapshot").arg(listedName));
        }
        const MetaFile &listing = it->second;
        const QString fileName =
            m_out.root.consistentSnapshot ? QStringLiteral("%1.%2").arg(listing.version).arg(listedName) : listedName;
        const qint64 limit = std::min(listing.length.value_or(m_limits.targets), m_limits.targets);
        const auto raw = m_source.fetch(fileName, limit);
        if (!raw) return missingError(fileName);
        if (raw->size() > limit) return tooLarge(fileName, limit);
        auto listed = checkMetaFile(*raw, listing, listedName, QStringLiteral("snapshot"));
        if (!listed) return listed.error();
        auto md = parseSignedMetadata(*raw, QStringLiteral("targets"), limit);
        if (!md) return md.error();
        auto sig = verifyThreshold(*md, keys, roleKeys, role);
        if (!sig) return sig.error();
        auto targets = parseTargets(std::move(*md));
        if (!targets) return targets.error();
        const qint64 version = targets->metadata.version;
        if (version != listing.version) {
            return trustError(TrustErrorKind::MixAndMatch,
                              QStringLiteral("mix-and-match attack: %1 version %2 does not match snapshot (%3)")
                                  .arg(role)
                                  .arg(version)
                                  .arg(listing.version));
        }
        const auto old = m_out.state.targets.find(role);
        if (old != m_out.state.targets.end()) {
            auto same = checkVersion(role, old->second, version, *raw);
            if (!same) return same.error();
        }
        auto fresh = checkNotExpired(targets->metadata, role, m_now);
        if (!fresh) return fresh.error();
        m_newTargets[role] = TrustedRole{version, sha256Hex(*raw)};
        m_verifiedFiles[role] = *raw;
        return targets;
    }

    // Versions never decrease; an unchanged version must carry unchanged bytes.
    static Status checkVersion(const QString &role, const TrustedRole &trusted, qint64 version, const QByteArray &raw) {
        if (version < trusted.version) {
            return trustError(
                TrustErrorKind::Rollback,
                QStringLiteral("rollback attack: %1 version %2 < %3").arg(role).arg(version).arg(trusted.version));
        }
        if (version == trusted.version && sha256Hex(raw) != trusted.sha256) {
            return trustError(
                TrustErrorKind::MixAndMatch,
                QStringLiteral("mix-and-match attack: %1 version %2 changed content without a new version")
                    .arg(role)
                    .arg(version));
        }
        return Ok{};
    }

    static TrustError missingError(const QString &fileName) {
        return trustError(TrustErrorKind::Missing, QStringLiteral("%1 is not available").arg(fileName));
    }

    static TrustError tooLarge(const QString &fileName, qint64 limit) {
        return trustError(
            TrustErrorKind::TooLarge,
            QStringLiteral("endless data attack: %1 exceeds its limit of %2 bytes").arg(fileName).arg(limit));
    }

    QString m_name;
    MetadataSource &m_source;
    QDateTime m_now;
    RoleLimits m_limits;
    VerifiedRepository m_out;
    std::map<QString, TrustedRole> m_newTargets;
    std::map<QString, QByteArray> m_verifiedFiles; // for RefreshProgress
};

#undef TRUST_TRY

} // namespace

Result<VerifiedRepository> refreshRepository(const QString &repositoryName, const RepositoryState &trusted,
                                             MetadataSource &source, const QDateTime &now, const RoleLimits &limits,
                                             RefreshProgress *progress) {
    return Refresh(repositoryName, trusted, source, now, limits).run(progress);
}

std::optional<QByteArray> DirectorySource::fetch(const QString &name, qint64 maxBytes) {
    if (!isSafeTargetName(name)) return std::nullopt;
    QFile file(m_directory + u'/' + name);
    if (!file.open(QIODevice::ReadOnly)) return std::nullopt;
    return file.read(maxBytes + 1);
}

std::optional<QByteArray> MemorySource::fetch(const QString &name, qint64 maxBytes) {
    auto it = m_files.constFind(name);
    if (it == m_files.constEnd()) return std::nullopt;
    return it->left(maxBytes + 1);
}

std::optional<QByteArray> MemorySource::file(const QString &name) const {
    auto it = m_files.constFind(name);
    if (it == m_files.constEnd()) return std::nullopt;
    return *it;
}

qint64 RepositoryState::rootVersion() const {
    auto json = parseJson(root);
    return json ? (*json)["signed"]["version"].toInteger() : 0;
}

namespace {

JsonValue roleJson(const TrustedRole &role) {
    return JsonValue(JsonValue::Object{{"version", JsonValue(role.version)}, {"sha256", JsonValue(role.sha256)}});
}

std::optional<TrustedRole> roleFromJson(const JsonValue &json) {
    if (!json["version"].isInteger() || !json["sha256"].isString()) return std::nullopt;
    return TrustedRole{json["version"].toInteger(), json["sha256"].toString()};
}

} // namespace

JsonValue RepositoryState::toJson() const {
    JsonValue json;
    json.insert("root", JsonValue(std::string(root.constData(), size_t(root.size()))));
    json.insert("timestamp", roleJson(timestamp));
    json.insert("snapshot", roleJson(snapshot));
    JsonValue meta(JsonValue::Object{});
    for (const auto &[name, version] : snapshotMeta) meta.insert(name.toStdString(), JsonValue(version));
    json.insert("snapshot_meta", meta);
    JsonValue roles(JsonValue::Object{});
    for (const auto &[name, role] : targets) roles.insert(name.toStdString(), roleJson(role));
    json.insert("targets", roles);
    return json;
}

Result<RepositoryState> RepositoryState::fromJson(const JsonValue &json) {
    const auto bad = trustError(TrustErrorKind::Storage, QStringLiteral("trusted state: invalid repository state"));
    RepositoryState state;
    if (!json["root"].isString() || !json["snapshot_meta"].isObject() || !json["targets"].isObject()) return bad;
    state.root = QByteArray::fromStdString(json["root"].str());
    auto ts = roleFromJson(json["timestamp"]);
    auto sn = roleFromJson(json["snapshot"]);
    if (!ts || !sn) return bad;
    state.timestamp = *ts;
    state.snapshot = *sn;
    for (const auto &[name, version] : json["snapshot_meta"].toObject()) {
        if (!version.isInteger()) return bad;
        state.snapshotMeta[QString::fromStdString(name)] = version.toInteger();
    }
    for (const auto &[name, role] : json["targets"].toObject()) {
        auto parsed = roleFromJson(role);
        if (!parsed) return bad;
        state.targets[QString::fromStdString(name)] = *parsed;
    }
    return state;
}

Result<RepositoryState> stateFromInitialRoot(const QByteArray &rootJson, const RoleLimits &limits) {
    auto md = parseSignedMetadata(rootJson, QStringLiteral("root"), limits.root);
    if (!md) return md.error();
    auto root = parseRoot(std::move(*md));
    if (!root) return root.error();
    auto sig =
        verifyThreshold(root->metadata, root->keys, root->roles.at(QStringLiteral("root")), QStringLiteral("root"));
    if (!sig) return sig.error();
    RepositoryState state;
    state.root = rootJson;
    return state;
}

std::optional<TargetFile> VerifiedRepository::findTarget(const QString &targetName) const {
    if (auto it = targets.targets.find(targetName); it != targets.targets.end()) return it->second;
    for (const DelegatedRole &role : targets.delegations) {
        if (!role.matches(targetName)) continue;
        if (auto d = delegated.find(role.name); d != delegated.end()) {
            if (auto it = d->second.targets.find(targetName); it != d->second.targets.end()) return it->second;
        }
        if (role.terminating) return std::nullopt;
    }
    return std::nullopt;
}

QString VerifiedRepository::targetFilePath(const TargetFile &target) const {
    if (!root.consistentSnapshot || target.hashes.empty()) return target.name;
    const auto hash = target.hashes.count(QStringLiteral("sha256")) ? target.hashes.at(QStringLiteral("sha256"))
                                                                    : target.hashes.begin()->second;
    const qsizetype slash = target.name.lastIndexOf(u'/');
    return target.name.left(slash + 1) + hash + u'.' + target.name.mid(slash + 1);
}

} // namespace conduit::trust
