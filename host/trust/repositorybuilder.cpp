#include "trust/repositorybuilder.h"

#include "trust/imageverifier.h"

namespace conduit::trust {

namespace {

JsonValue keyIds(const std::vector<SigningKey> &keys) {
    JsonValue::Array ids;
    for (const SigningKey &key : keys) ids.emplace_back(key.keyId());
    return JsonValue(std::move(ids));
}

JsonValue roleKeysJson(const BuilderRole &role) {
    return JsonValue(JsonValue::Object{{"keyids", keyIds(role.keys)}, {"threshold", JsonValue(role.threshold)}});
}

JsonValue header(const char *type, const BuilderRole &role) {
    JsonValue s;
    s.insert("_type", type);
    s.insert("spec_version", "1.0.31");
    s.insert("version", JsonValue(role.version));
    s.insert("expires", JsonValue(formatExpiry(role.expires)));
    return s;
}

JsonValue metaEntry(qint64 version, const QByteArray &bytes, bool withHashes) {
    JsonValue entry;
    entry.insert("version", JsonValue(version));
    if (withHashes) {
        entry.insert("length", JsonValue(qint64(bytes.size())));
        entry.insert("hashes",
                     JsonValue(JsonValue::Object{{"sha256", JsonValue(*hashHex(QStringLiteral("sha256"), bytes))}}));
    }
    return entry;
}

} // namespace

QByteArray signMetadata(const JsonValue &signedPart, const std::vector<SigningKey> &signers) {
    const QByteArray canonical = canonicalJson(signedPart);
    JsonValue::Array signatures;
    for (const SigningKey &key : signers) {
        signatures.emplace_back(JsonValue(
            JsonValue::Object{{"keyid", JsonValue(key.keyId())}, {"sig", JsonValue(toHex(key.sign(canonical)))}}));
    }
    return compactJson(
        JsonValue(JsonValue::Object{{"signatures", JsonValue(std::move(signatures))}, {"signed", signedPart}}));
}

JsonValue targetEntry(QByteArrayView content, const JsonValue &custom) {
    JsonValue entry;
    entry.insert("length", JsonValue(qint64(content.size())));
    entry.insert("hashes",
                 JsonValue(JsonValue::Object{{"sha256", JsonValue(*hashHex(QStringLiteral("sha256"), content))},
                                             {"sha512", JsonValue(*hashHex(QStringLiteral("sha512"), content))}}));
    if (!custom.isNull()) entry.insert("custom", custom);
    return entry;
}

SigningKey RepositoryBuilder::seededKey(const QString &label) {
    const QByteArray seed = QByteArray::fromHex(sha256Hex(label.toUtf8()).toLatin1());
    return *SigningKey::ed25519FromSeed(seed);
}

RepositoryBuilder::RepositoryBuilder(const QString &label, const QDateTime &now) {
    const QDateTime expires = now.addDays(30);
    for (auto [role, name] :
         {std::pair{&root, "root"}, {&timestamp, "timestamp"}, {&snapshot, "snapshot"}, {&targets, "targets"}}) {
        role->keys = {seededKey(label + u'/' + QLatin1String(name))};
        role->expires = expires;
    }
    root.expires = now.addDays(365);
}

void RepositoryBuilder::addTarget(const QString &name, QByteArrayView content, const JsonValue &custom) {
    targetFiles[name] = targetEntry(content, custom);
}

JsonValue RepositoryBuilder::rootSigned() const {
    JsonValue s = header("root", root);
    s.insert("consistent_snapshot", consistentSnapshot);
    JsonValue keys(JsonValue::Object{});
    JsonValue roles(JsonValue::Object{});
    for (auto [role, name] :
         {std::pair{&root, "root"}, {&timestamp, "timestamp"}, {&snapshot, "snapshot"}, {&targets, "targets"}}) {
        for (const SigningKey &key : role->keys) keys.insert(key.keyId().toStdString(), key.publicKey().json());
        roles.insert(name, roleKeysJson(*role));
    }
    s.insert("keys", keys);
    s.insert("roles", roles);
    return s;
}

QByteArray RepositoryBuilder::initialRoot() {
    if (m_rootHistory.empty()) {
        root.version = 1;
        m_rootHistory.push_back(signMetadata(rootSigned(), root.signingKeys()));
        m_rootKeysByVersion.push_back(root.keys);
    }
    return m_rootHistory.front();
}

void RepositoryBuilder::rotateRoot() {
    initialRoot();
    root.version = qint64(m_rootHistory.size()) + 1;
    std::vector<SigningKey> signers = m_rootKeysByVersion.back();
    for (const SigningKey &key : root.signingKeys()) {
        bool listed = false;
        for (const SigningKey &previous : m_rootKeysByVersion.back())
            listed = listed || previous.keyId() == key.keyId();
        if (!listed) signers.push_back(key);
    }
    m_rootHistory.push_back(signMetadata(rootSigned(), root.signers ? *root.signers : signers));
    m_rootKeysByVersion.push_back(root.keys);
}

void RepositoryBuilder::resignLatestRoot() {
    if (m_rootHistory.size() < 2) return;
    m_rootHistory.pop_back();
    m_rootKeysByVersion.pop_back();
    rotateRoot();
}

void RepositoryBuilder::bumpVersions() {
    ++timestamp.version;
    ++snapshot.version;
    ++targets.version;
}

JsonValue RepositoryBuilder::targetsSigned() const {
    JsonValue s = header("targets", targets);
    JsonValue files(JsonValue::Object{});
    for (const auto &[name, entry] : targetFiles) files.insert(name.toStdString(), entry);
    s.insert("targets", files);
    if (!delegations.empty() || addDelegationsMember) {
        JsonValue keys(JsonValue::Object{});
        JsonValue::Array roles;
        for (const BuilderDelegation &d : delegations) {
            for (const SigningKey &key : d.role.keys) keys.insert(key.keyId().toStdString(), key.publicKey().json());
            JsonValue role = roleKeysJson(d.role);
            role.insert("name", JsonValue(d.name));
            role.insert("paths", JsonValue::array(d.paths));
            role.insert("terminating", d.terminating);
            roles.push_back(role);
        }
        s.insert("delegations", JsonValue(JsonValue::Object{{"keys", keys}, {"roles", JsonValue(std::move(roles))}}));
    }
    return s;
}

JsonValue RepositoryBuilder::delegatedSigned(const BuilderDelegation &delegation) const {
    JsonValue s = header("targets", delegation.role);
    JsonValue files(JsonValue::Object{});
    for (const auto &[name, entry] : delegation.targets) files.insert(name.toStdString(), entry);
    s.insert("targets", files);
    return s;
}

QString RepositoryBuilder::fileName(const QString &role, qint64 version) const {
    if (role == QLatin1String("timestamp")) return QStringLiteral("timestamp.json");
    if (role == QLatin1String("root") || consistentSnapshot) return QStringLiteral("%1.%2.json").arg(version).arg(role);
    return role + QStringLiteral(".json");
}

void RepositoryBuilder::publish(MemorySource &out) {
    initialRoot();
    for (size_t i = 0; i < m_rootHistory.size(); ++i)
        out.put(QStringLiteral("%1.root.json").arg(i + 1), m_rootHistory[i]);

    JsonValue snapshotMeta(JsonValue::Object{});
    const QByteArray targetsBytes = signMetadata(targetsSigned(), targets.signingKeys());
    out.put(fileName(QStringLiteral("targets"), targets.version), targetsBytes);
    snapshotMeta.insert("targets.json", metaEntry(targets.version, targetsBytes, listLengthsAndHashes));
    for (const BuilderDelegation &d : delegations) {
        const QByteArray bytes = signMetadata(delegatedSigned(d), d.role.signingKeys());
        out.put(fileName(d.name, d.role.version), bytes);
        snapshotMeta.insert((d.name + QStringLiteral(".json")).toStdString(),
                            metaEntry(d.role.version, bytes, listLengthsAndHashes));
    }

    JsonValue snapshotPart = header("snapshot", snapshot);
    snapshotPart.insert("meta", snapshotMeta);
    const QByteArray snapshotBytes = signMetadata(snapshotPart, snapshot.signingKeys());
    out.put(fileName(QStringLiteral("snapshot"), snapshot.version), snapshotBytes);

    JsonValue timestampPart = header("timestamp", timestamp);
    timestampPart.insert("meta",
                         JsonValue(JsonValue::Object{
                             {"snapshot.json", metaEntry(snapshot.version, snapshotBytes, listLengthsAndHashes)}}));
    out.put(fileName(QStringLiteral("timestamp"), timestamp.version),
            signMetadata(timestampPart, timestamp.signingKeys()));
}

} // namespace conduit::trust
