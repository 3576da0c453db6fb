#include "workspace.h"

#include "trust/metadata.h"
#include "trust/repositorybuilder.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QTimeZone>

namespace conduit::repo {

using namespace trust;

Result<QByteArray> readFile(const QString &path, qint64 maxBytes) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return toolError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    if (file.size() > maxBytes) return toolError(QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(maxBytes));
    return file.readAll();
}

Status writeFile(const QString &path, const QByteArray &bytes, QFileDevice::Permissions permissions) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return toolError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    if (permissions) file.setPermissions(permissions);
    if (file.write(bytes) != bytes.size() || !file.commit())
        return toolError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return Ok{};
}

namespace {

const QString kSpecVersion = QStringLiteral("1.0.31");
constexpr int kRootExpiryDays = 365;

JsonValue header(const char *type, const RoleState &role) {
    JsonValue s(JsonValue::Object{});
    s.insert("_type", type);
    s.insert("spec_version", JsonValue(kSpecVersion));
    s.insert("version", JsonValue(role.version));
    s.insert("expires", JsonValue(formatExpiry(role.expires)));
    return s;
}

JsonValue metaEntry(qint64 version, const QByteArray &bytes) {
    return JsonValue(
        JsonValue::Object{{"version", JsonValue(version)},
                          {"length", JsonValue(qint64(bytes.size()))},
                          {"hashes", JsonValue(JsonValue::Object{{"sha256", JsonValue(sha256Hex(bytes))}})}});
}

QDateTime wholeSeconds(const QDateTime &time) {
    return QDateTime::fromSecsSinceEpoch(time.toSecsSinceEpoch(), QTimeZone::utc());
}

JsonValue roleJson(const RoleState &role) {
    return JsonValue(JsonValue::Object{{"keys", JsonValue::array(role.keyFiles)},
                                       {"threshold", JsonValue(role.threshold)},
                                       {"version", JsonValue(role.version)},
                                       {"expires", JsonValue(formatExpiry(role.expires))}});
}

Result<RoleState> roleFromJson(const JsonValue &json, const QString &where) {
    RoleState role;
    const auto expires = json["expires"].isString() ? parseExpiry(json["expires"].toString()) : std::nullopt;
    if (!json["keys"].isArray() || !json["threshold"].isInteger() || !json["version"].isInteger() || !expires)
        return toolError(QStringLiteral("%1: role entry needs keys, threshold, version and expires").arg(where));
    for (const JsonValue &key : json["keys"].toArray()) {
        if (!key.isString()) return toolError(QStringLiteral("%1: key file names must be strings").arg(where));
        role.keyFiles.append(key.toString());
    }
    role.threshold = json["threshold"].toInteger();
    role.version = json["version"].toInteger();
    role.expires = *expires;
    return role;
}

} // namespace

TrustError toolError(const QString &message) { return trustError(TrustErrorKind::Storage, message); }

Status writeKeyFile(const QString &path, const SigningKey &key) {
    return writeFile(path, key.privateKeyPem(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

Result<SigningKey> readKeyFile(const QString &path) {
    auto pem = readFile(path, 64 * 1024);
    if (!pem) return pem.error();
    auto key = SigningKey::fromPrivateKeyPem(*pem);
    if (!key) return toolError(QStringLiteral("%1: %2").arg(path, key.error().message));
    return key;
}

Result<SigningKey> makeKey(const QString &type, const QByteArray &seed) {
    if (type == QLatin1String("ed25519"))
        return seed.isEmpty() ? SigningKey::generateEd25519() : SigningKey::ed25519FromSeed(seed);
    if (type == QLatin1String("ecdsa"))
        return seed.isEmpty() ? SigningKey::generateEcdsaP256() : SigningKey::ecdsaP256FromSeed(seed);
    return toolError(QStringLiteral("unknown key type \"%1\" (ed25519 or ecdsa)").arg(type));
}

Result<QString> Workspace::storeKey(const QString &repository, const QString &role, const SigningKey &key) {
    const QString relative = QStringLiteral("keys/%1-%2-%3.pem").arg(repository, role, key.keyId().left(16));
    if (!QFile::exists(path(relative))) {
        if (auto written = writeKeyFile(path(relative), key); !written) return written.error();
    }
    return relative;
}

Result<Workspace> Workspace::create(const QString &dir, const QString &keyType, const QByteArray &seed,
                                    const std::map<QString, SigningKey> &keys, const QDateTime &now) {
    Workspace ws;
    ws.m_dir = QDir(dir).absolutePath();
    if (QFile::exists(ws.path(QStringLiteral("conduit-repo.json"))))
        return toolError(QStringLiteral("%1 already holds a repository").arg(ws.m_dir));
    QDir root;
    if (!root.mkpath(ws.path(QStringLiteral("keys"))))
        return toolError(QStringLiteral("cannot create %1").arg(ws.path(QStringLiteral("keys"))));
    QFile::setPermissions(ws.path(QStringLiteral("keys")),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    const QDateTime start = wholeSeconds(now);
    for (const QString &repository : kRepositories) {
        if (!root.mkpath(ws.metadataDir(repository)))
            return toolError(QStringLiteral("cannot create %1").arg(ws.metadataDir(repository)));
        RepositoryState &state = ws.m_repos[repository];
        for (const QString &role : kRoles) {
            const QString label = repository + u'.' + role;
            std::optional<SigningKey> key;
            if (auto given = keys.find(label); given != keys.end()) {
                key = given->second;
            } else {
                // Each role gets its own seed: sha256(seed || "/<repo>/<role>").
                const QByteArray roleSeed =
                    seed.isEmpty() ? QByteArray()
                                   : QByteArray::fromHex(
                                         sha256Hex(seed + '/' + repository.toUtf8() + '/' + role.toUtf8()).toLatin1());
                auto made = makeKey(keyType, roleSeed);
                if (!made) return made.error();
                key = *made;
            }
            auto stored = ws.storeKey(repository, role, *key);
            if (!stored) return stored.error();
            RoleState &rs = state.roles[role];
            rs.keyFiles = {*stored};
            rs.expires = start.addDays(role == QLatin1String("root") ? kRootExpiryDays : 30);
        }
        auto rootBytes = ws.signRoot(repository, {});
        if (!rootBytes) return rootBytes.error();
    }
    if (auto written = writeFile(ws.path(QStringLiteral("conduit-repo.json")), "{\"format\":1}\n"); !written)
        return written.error();
    if (auto signedOk = ws.sign(now, 30, false); !signedOk) return signedOk.error();
    return ws;
}

Result<Workspace> Workspace::open(const QString &dir) {
    Workspace ws;
    ws.m_dir = QDir(dir).absolutePath();
    if (!QFile::exists(ws.path(QStringLiteral("conduit-repo.json"))))
        return toolError(
            QStringLiteral("%1 is not a conduit-repo repository (run `conduit-repo init` first)").arg(ws.m_dir));
    for (const QString &repository : kRepositories) {
        const QString file = ws.path(repository + QStringLiteral("/state.json"));
        auto bytes = readFile(file);
        if (!bytes) return bytes.error();
        auto json = parseJson(*bytes, JsonLimits{64 * 1024 * 1024, 64});
        if (!json) return toolError(QStringLiteral("%1: %2").arg(file, json.error().message));
        RepositoryState &state = ws.m_repos[repository];
        for (const QString &role : kRoles) {
            auto rs = roleFromJson((*json)["roles"][role.toStdString()], file + u' ' + role);
            if (!rs) return rs.error();
            state.roles[role] = *rs;
        }
        if (!(*json)["targets"].isObject())
            return toolError(QStringLiteral("%1: \"targets\" must be an object").arg(file));
        for (const auto &[name, entry] : (*json)["targets"].toObject())
            state.targets[QString::fromStdString(name)] = entry;
        for (const auto &[name, d] : (*json)["delegations"].toObject()) {
            const QString role = QString::fromStdString(name);
            auto rs = roleFromJson(d, file + u' ' + role);
            if (!rs || !d["paths"].isArray() || !d["targets"].isObject() || !isSafeRoleName(role))
                return toolError(
                    QStringLiteral("%1: delegation %2 needs a role entry, paths and targets").arg(file, role));
            DelegationState &delegation = state.delegations[role];
            delegation.role = *rs;
            for (const JsonValue &pattern : d["paths"].toArray()) delegation.paths.append(pattern.toString());
            for (const auto &[target, entry] : d["targets"].toObject())
                delegation.targets[QString::fromStdString(target)] = entry;
        }
    }
    return ws;
}

Status Workspace::save() const {
    for (const auto &[repository, state] : m_repos) {
        JsonValue roles(JsonValue::Object{});
        for (const auto &[role, rs] : state.roles) roles.insert(role.toStdString(), roleJson(rs));
        JsonValue targets(JsonValue::Object{});
        for (const auto &[name, entry] : state.targets) targets.insert(name.toStdString(), entry);
        JsonValue json(JsonValue::Object{{"format", JsonValue(1)}, {"roles", roles}, {"targets", targets}});
        if (!state.delegations.empty()) {
            JsonValue delegations(JsonValue::Object{});
            for (const auto &[name, d] : state.delegations) {
                JsonValue entry = roleJson(d.role);
                entry.insert("paths", JsonValue::array(d.paths));
                JsonValue files(JsonValue::Object{});
                for (const auto &[target, e] : d.targets) files.insert(target.toStdString(), e);
                entry.insert("targets", files);
                delegations.insert(name.toStdString(), entry);
            }
            json.insert("delegations", delegations);
        }
        // Standard JSON, not the canonical form: that one writes control
        // characters raw (release notes' new lines), which no strict
        // parser, ours included, reads back.
        if (auto written = writeFile(path(repository + QStringLiteral("/state.json")), compactJson(json) + '\n');
            !written)
            return written;
    }
    return Ok{};
}

Result<std::vector<SigningKey>> Workspace::loadKeys(const RoleState &role) const {
    std::vector<SigningKey> keys;
    for (const QString &file : role.keyFiles) {
        auto key = readKeyFile(path(file));
        if (!key) return key.error();
        keys.push_back(*key);
    }
    return keys;
}

Result<QByteArray> Workspace::signRoot(const QString &repository, const std::vector<SigningKey> &extraSigners) {
    const RepositoryState &state = m_repos.at(repository);
    const RoleState &rootRole = state.roles.at(QStringLiteral("root"));
    JsonValue s = header("root", rootRole);
    s.insert("consistent_snapshot", true);
    JsonValue keys(JsonValue::Object{});
    JsonValue roles(JsonValue::Object{});
    for (const auto &[role, rs] : state.roles) {
        auto loaded = loadKeys(rs);
        if (!loaded) return loaded.error();
        QStringList ids;
        for (const SigningKey &key : *loaded) {
            keys.insert(key.keyId().toStdString(), key.publicKey().json());
            ids.append(key.keyId());
        }
        roles.insert(role.toStdString(), JsonValue(JsonValue::Object{{"keyids", JsonValue::array(ids)},
                                                                     {"threshold", JsonValue(rs.threshold)}}));
    }
    s.insert("keys", keys);
    s.insert("roles", roles);

    auto signers = loadKeys(rootRole);
    if (!signers) return signers.error();
    std::vector<SigningKey> all = extraSigners;
    for (const SigningKey &key : *signers) {
        bool seen = false;
        for (const SigningKey &other : all) seen = seen || other.keyId() == key.keyId();
        if (!seen) all.push_back(key);
    }
    const QByteArray bytes = signMetadata(s, all);
    if (auto written =
            writeFile(metadataDir(repository) + QStringLiteral("/%1.root.json").arg(rootRole.version), bytes);
        !written)
        return written.error();
    return bytes;
}

const JsonValue *RepositoryState::findTarget(const QString &name) const {
    if (auto it = targets.find(name); it != targets.end()) return &it->second;
    for (const auto &[role, d] : delegations) {
        if (auto it = d.targets.find(name); it != d.targets.end()) return &it->second;
    }
    return nullptr;
}

QStringList RepositoryState::targetNames() const {
    QStringList names;
    for (const auto &[name, entry] : targets) names.append(name);
    for (const auto &[role, d] : delegations) {
        for (const auto &[name, entry] : d.targets) names.append(name);
    }
    return names;
}

Status Workspace::addDelegation(const QString &name, const QStringList &paths, const SigningKey &key,
                                const QDateTime &now) {
    RepositoryState &image = m_repos.at(QStringLiteral("image"));
    if (!isSafeRoleName(name) || kRoles.contains(name) || image.delegations.count(name))
        return toolError(QStringLiteral("\"%1\" cannot name a new delegated role").arg(name));
    auto stored = storeKey(QStringLiteral("image"), name, key);
    if (!stored) return stored.error();
    DelegationState &d = image.delegations[name];
    d.role.keyFiles = {*stored};
    d.role.version = 0; // the next sign() publishes version 1
    d.role.expires = wholeSeconds(now).addDays(30);
    d.paths = paths;
    return save();
}

Status Workspace::rotate(const QString &repository, const QString &role, const SigningKey &newKey,
                         const QDateTime &now) {
    RepositoryState &state = m_repos.at(repository);
    auto previousRootKeys = loadKeys(state.roles.at(QStringLiteral("root")));
    if (!previousRootKeys) return previousRootKeys.error();
    auto stored = storeKey(repository, role, newKey);
    if (!stored) return stored.error();
    RoleState &rootRole = state.roles.at(QStringLiteral("root"));
    state.roles.at(role).keyFiles = {*stored};
    ++rootRole.version;
    rootRole.expires = wholeSeconds(now).addDays(kRootExpiryDays);
    auto root = signRoot(repository, *previousRootKeys);
    if (!root) return root.error();
    return save();
}

Status Workspace::signRepository(const QString &repository, const QDateTime &now, int expiresDays, bool bump) {
    RepositoryState &state = m_repos.at(repository);
    const QDateTime expires = wholeSeconds(now).addDays(expiresDays);
    RoleState &timestampRole = state.roles.at(QStringLiteral("timestamp"));
    RoleState &snapshotRole = state.roles.at(QStringLiteral("snapshot"));
    RoleState &targetsRole = state.roles.at(QStringLiteral("targets"));
    for (RoleState *role : {&timestampRole, &snapshotRole, &targetsRole}) {
        if (bump) ++role->version;
        role->expires = expires;
    }
    const QString dir = metadataDir(repository);

    // Delegated roles first: the snapshot lists them next to targets.json.
    JsonValue snapshotMeta(JsonValue::Object{});
    std::vector<std::pair<QString, QByteArray>> outputs;
    JsonValue delegationKeys(JsonValue::Object{});
    JsonValue::Array delegationRoles;
    for (auto &[name, d] : state.delegations) {
        if (bump) ++d.role.version;
        d.role.expires = expires;
        auto keys = loadKeys(d.role);
        if (!keys) return keys.error();
        QStringList ids;
        for (const SigningKey &key : *keys) {
            delegationKeys.insert(key.keyId().toStdString(), key.publicKey().json());
            ids.append(key.keyId());
        }
        delegationRoles.emplace_back(JsonValue(JsonValue::Object{{"name", JsonValue(name)},
                                                                 {"keyids", JsonValue::array(ids)},
                                                                 {"threshold", JsonValue(d.role.threshold)},
                                                                 {"paths", JsonValue::array(d.paths)},
                                                                 {"terminating", true}}));
        JsonValue part = header("targets", d.role);
        JsonValue files(JsonValue::Object{});
        for (const auto &[target, entry] : d.targets) files.insert(target.toStdString(), entry);
        part.insert("targets", files);
        const QByteArray bytes = signMetadata(part, *keys);
        snapshotMeta.insert((name + QStringLiteral(".json")).toStdString(), metaEntry(d.role.version, bytes));
        outputs.emplace_back(QStringLiteral("%1.%2.json").arg(d.role.version).arg(name), bytes);
    }

    auto targetsKeys = loadKeys(targetsRole);
    if (!targetsKeys) return targetsKeys.error();
    JsonValue targetsPart = header("targets", targetsRole);
    JsonValue files(JsonValue::Object{});
    for (const auto &[name, entry] : state.targets) files.insert(name.toStdString(), entry);
    targetsPart.insert("targets", files);
    if (!state.delegations.empty()) {
        targetsPart.insert(
            "delegations",
            JsonValue(JsonValue::Object{{"keys", delegationKeys}, {"roles", JsonValue(std::move(delegationRoles))}}));
    }
    const QByteArray targetsBytes = signMetadata(targetsPart, *targetsKeys);

    auto snapshotKeys = loadKeys(snapshotRole);
    if (!snapshotKeys) return snapshotKeys.error();
    JsonValue snapshotPart = header("snapshot", snapshotRole);
    snapshotMeta.insert("targets.json", metaEntry(targetsRole.version, targetsBytes));
    snapshotPart.insert("meta", snapshotMeta);
    const QByteArray snapshotBytes = signMetadata(snapshotPart, *snapshotKeys);

    auto timestampKeys = loadKeys(timestampRole);
    if (!timestampKeys) return timestampKeys.error();
    JsonValue timestampPart = header("timestamp", timestampRole);
    timestampPart.insert(
        "meta", JsonValue(JsonValue::Object{{"snapshot.json", metaEntry(snapshotRole.version, snapshotBytes)}}));
    const QByteArray timestampBytes = signMetadata(timestampPart, *timestampKeys);

    // Old versioned files go; roots stay (clients walk the chain).
    for (const QString &old : QDir(dir).entryList({QStringLiteral("*.json")}, QDir::Files)) {
        if (!old.endsWith(QLatin1String(".root.json"))) QFile::remove(dir + u'/' + old);
    }
    outputs.emplace_back(QStringLiteral("%1.targets.json").arg(targetsRole.version), targetsBytes);
    outputs.emplace_back(QStringLiteral("%1.snapshot.json").arg(snapshotRole.version), snapshotBytes);
    outputs.emplace_back(QStringLiteral("timestamp.json"), timestampBytes);
    for (const auto &[name, bytes] : outputs) {
        if (auto written = writeFile(dir + u'/' + name, bytes); !written) return written;
    }
    return Ok{};
}

Status Workspace::sign(const QDateTime &now, int expiresDays, bool bump) {
    if (expiresDays < 1) return toolError(QStringLiteral("--expires must be at least 1 day"));
    for (const QString &repository : kRepositories) {
        if (auto signedOk = signRepository(repository, now, expiresDays, bump); !signedOk) return signedOk;
    }
    return save();
}

Result<std::map<QString, QByteArray>> Workspace::currentMetadata(const QString &repository) const {
    const RepositoryState &state = m_repos.at(repository);
    std::map<QString, QByteArray> files;
    QStringList names{QStringLiteral("timestamp.json"),
                      QStringLiteral("%1.snapshot.json").arg(state.roles.at(QStringLiteral("snapshot")).version),
                      QStringLiteral("%1.targets.json").arg(state.roles.at(QStringLiteral("targets")).version)};
    for (const auto &[name, d] : state.delegations)
        names.append(QStringLiteral("%1.%2.json").arg(d.role.version).arg(name));
    for (qint64 v = 1; v <= state.roles.at(QStringLiteral("root")).version; ++v)
        names.append(QStringLiteral("%1.root.json").arg(v));
    for (const QString &name : names) {
        auto bytes = readFile(metadataDir(repository) + u'/' + name);
        if (!bytes) return bytes.error();
        files.emplace(name, *bytes);
    }
    return files;
}

} // namespace conduit::repo
