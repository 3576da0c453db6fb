#include "trust/metadata.h"

#include "trust/imageverifier.h"

#include <QRegularExpression>

#include <set>

namespace conduit::trust {

namespace {

TrustError malformed(const QString &role, const QString &message) {
    return trustError(TrustErrorKind::Malformed, QStringLiteral("malformed %1 metadata: %2").arg(role, message));
}

bool isPositiveInteger(const JsonValue &v) { return v.isInteger() && v.toInteger() >= 1; }

Result<MetaFile> parseMetaFile(const JsonValue &json, const QString &role, const QString &name) {
    if (!json.isObject() || !isPositiveInteger(json["version"]))
        return malformed(role, QStringLiteral("meta entry \"%1\" needs a positive version").arg(name));
    MetaFile file;
    file.version = json["version"].toInteger();
    if (json.contains("length")) {
        if (!json["length"].isInteger() || json["length"].toInteger() < 0)
            return malformed(role, QStringLiteral("meta entry \"%1\" has an invalid length").arg(name));
        file.length = json["length"].toInteger();
    }
    if (json.contains("hashes")) {
        if (!json["hashes"].isObject() || json["hashes"].toObject().empty())
            return malformed(role, QStringLiteral("meta entry \"%1\" has invalid hashes").arg(name));
        for (const auto &[algorithm, value] : json["hashes"].toObject()) {
            if (!value.isString() || !fromHex(value.toString()))
                return malformed(role, QStringLiteral("meta entry \"%1\" has a non-hex hash").arg(name));
            file.hashes[QString::fromStdString(algorithm)] = value.toString().toLower();
        }
    }
    return file;
}

Result<RoleKeys> parseRoleKeys(const JsonValue &json, const QString &role, const QString &name) {
    if (!json.isObject() || !json["keyids"].isArray() || !json["threshold"].isInteger())
        return malformed(role, QStringLiteral("role \"%1\" needs keyids and threshold").arg(name));
    RoleKeys keys;
    keys.threshold = json["threshold"].toInteger();
    if (keys.threshold < 1)
        return malformed(
            role, QStringLiteral("role \"%1\" has threshold %2, must be at least 1").arg(name).arg(keys.threshold));
    for (const JsonValue &id : json["keyids"].toArray()) {
        if (!id.isString()) return malformed(role, QStringLiteral("role \"%1\" has a non-string keyid").arg(name));
        if (keys.keyIds.contains(id.toString()))
            return malformed(role, QStringLiteral("role \"%1\" lists keyid %2 twice").arg(name, id.toString()));
        keys.keyIds.append(id.toString());
    }
    return keys;
}

Result<KeyRing> parseKeyRing(const JsonValue &json, const QString &role) {
    if (!json.isObject()) return malformed(role, QStringLiteral("keys must be an object"));
    KeyRing ring;
    for (const auto &[id, keyJson] : json.toObject()) {
        auto key = PublicKey::fromJson(keyJson);
        if (!key)
            return trustError(
                key.error().kind,
                QStringLiteral("%1 metadata, key %2: %3").arg(role, QString::fromStdString(id), key.error().message));
        ring.emplace(QString::fromStdString(id), std::move(*key));
    }
    return ring;
}

// fnmatch-style match of one path segment with '*' and '?'.
bool matchSegment(QStringView pattern, QStringView text) {
    qsizetype p = 0, t = 0, starP = -1, starT = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == u'?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == u'*') {
            starP = p++;
            starT = t;
        } else if (starP >= 0) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == u'*') ++p;
    return p == pattern.size();
}

} // namespace

QString formatExpiry(const QDateTime &time) { return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ")); }

std::optional<QDateTime> parseExpiry(const QString &text) {
    static const QRegularExpression format(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$"));
    if (!format.match(text).hasMatch()) return std::nullopt;
    QDateTime time = QDateTime::fromString(text, Qt::ISODate);
    if (!time.isValid()) return std::nullopt;
    return time.toUTC();
}

Result<SignedMetadata> parseSignedMetadata(QByteArrayView raw, const QString &expectedType, qint64 maxBytes) {
    if (raw.size() > maxBytes) {
        return trustError(TrustErrorKind::TooLarge,
                          QStringLiteral("endless data attack: %1 metadata of %2 bytes exceeds the limit of %3 bytes")
                              .arg(expectedType)
                              .arg(raw.size())
                              .arg(maxBytes));
    }
    auto json = parseJson(raw, JsonLimits{maxBytes, 64});
    if (!json) return malformed(expectedType, json.error().message);
    const JsonValue &signedPart = (*json)["signed"];
    const JsonValue &signatures = (*json)["signatures"];
    if (!signedPart.isObject() || !signatures.isArray())
        return malformed(expectedType, QStringLiteral("\"signed\" object and \"signatures\" array are required"));

    SignedMetadata md;
    md.type = signedPart["_type"].toString();
    if (!signedPart["_type"].isString() || md.type != expectedType)
        return malformed(expectedType, QStringLiteral("wrong _type \"%1\"").arg(md.type));
    if (!isPositiveInteger(signedPart["version"]))
        return malformed(expectedType, QStringLiteral("version must be a positive integer"));
    md.version = signedPart["version"].toInteger();
    const auto expires =
        signedPart["expires"].isString() ? parseExpiry(signedPart["expires"].toString()) : std::nullopt;
    if (!expires) return malformed(expectedType, QStringLiteral("expires must be YYYY-MM-DDTHH:MM:SSZ"));
    md.expires = *expires;
    if (!signedPart["spec_version"].isString())
        return malformed(expectedType, QStringLiteral("spec_version is required"));
    for (const JsonValue &sig : signatures.toArray()) {
        if (!sig["keyid"].isString() || !sig["sig"].isString())
            return malformed(expectedType, QStringLiteral("a signature needs keyid and sig strings"));
        const auto bytes = fromHex(sig["sig"].toString());
        if (!bytes)
            return malformed(expectedType, QStringLiteral("signature by %1 is not hex").arg(sig["keyid"].toString()));
        md.signatures.push_back(Signature{sig["keyid"].toString(), *bytes});
    }
    md.signedPart = signedPart;
    md.canonicalSigned = canonicalJson(signedPart);
    md.raw = QByteArray(raw.data(), raw.size());
    return md;
}

Status verifyThreshold(const SignedMetadata &metadata, const KeyRing &keys, const RoleKeys &role,
                       const QString &roleName) {
    std::set<QByteArray> counted;
    for (const Signature &sig : metadata.signatures) {
        if (sig.bytes.isEmpty() || !role.keyIds.contains(sig.keyId)) continue;
        auto key = keys.find(sig.keyId);
        if (key == keys.end() || counted.count(key->second.material())) continue;
        if (key->second.verify(metadata.canonicalSigned, sig.bytes)) counted.insert(key->second.material());
    }
    if (qint64(counted.size()) < role.threshold) {
        return trustError(
            TrustErrorKind::ArbitrarySoftware,
            QStringLiteral("arbitrary software attack: %1 version %2 has %3 valid signature(s), threshold is %4")
                .arg(roleName)
                .arg(metadata.version)
                .arg(counted.size())
                .arg(role.threshold));
    }
    return Ok{};
}

Status checkNotExpired(const SignedMetadata &metadata, const QString &roleName, const QDateTime &now) {
    if (metadata.expires <= now) {
        return trustError(TrustErrorKind::Freeze,
                          QStringLiteral("freeze attack: %1 version %2 expired at %3 (reference time %4)")
                              .arg(roleName)
                              .arg(metadata.version)
                              .arg(formatExpiry(metadata.expires), formatExpiry(now)));
    }
    return Ok{};
}

Result<RootMetadata> parseRoot(SignedMetadata metadata) {
    const JsonValue &s = metadata.signedPart;
    RootMetadata root;
    if (s.contains("consistent_snapshot") && !s["consistent_snapshot"].isBool())
        return malformed(QStringLiteral("root"), QStringLiteral("consistent_snapshot must be a boolean"));
    root.consistentSnapshot = s["consistent_snapshot"].toBool();
    auto keys = parseKeyRing(s["keys"], QStringLiteral("root"));
    if (!keys) return keys.error();
    root.keys = std::move(*keys);
    if (!s["roles"].isObject()) return malformed(QStringLiteral("root"), QStringLiteral("roles must be an object"));
    for (const char *name : {"root", "timestamp", "snapshot", "targets"}) {
        auto role = parseRoleKeys(s["roles"][name], QStringLiteral("root"), QLatin1String(name));
        if (!role) return role.error();
        root.roles.emplace(QLatin1String(name), std::move(*role));
    }
    root.metadata = std::move(metadata);
    return root;
}

Status checkMetaFile(QByteArrayView raw, const MetaFile &listing, const QString &fileName, const QString &listedIn) {
    if (listing.length && raw.size() != *listing.length) {
        return trustError(TrustErrorKind::MixAndMatch,
                          QStringLiteral("mix-and-match attack: %1 is %2 bytes, %3 lists %4")
                              .arg(fileName)
                              .arg(raw.size())
                              .arg(listedIn)
                              .arg(*listing.length));
    }
    for (const auto &[algorithm, expected] : listing.hashes) {
        const auto actual = hashHex(algorithm, raw);
        if (!actual)
            return trustError(TrustErrorKind::Unsupported,
                              QStringLiteral("unsupported hash algorithm \"%1\"").arg(algorithm));
        if (*actual != expected) {
            return trustError(
                TrustErrorKind::MixAndMatch,
                QStringLiteral("mix-and-match attack: %1 %2 does not match %3").arg(fileName, algorithm, listedIn));
        }
    }
    return Ok{};
}

Result<TimestampMetadata> parseTimestamp(SignedMetadata metadata) {
    const JsonValue &meta = metadata.signedPart["meta"];
    if (!meta.isObject() || meta.toObject().size() != 1 || !meta.contains("snapshot.json"))
        return malformed(QStringLiteral("timestamp"), QStringLiteral("meta must list exactly snapshot.json"));
    auto snapshot = parseMetaFile(meta["snapshot.json"], QStringLiteral("timestamp"), QStringLiteral("snapshot.json"));
    if (!snapshot) return snapshot.error();
    return TimestampMetadata{std::move(metadata), std::move(*snapshot)};
}

Result<SnapshotMetadata> parseSnapshot(SignedMetadata metadata) {
    const JsonValue &meta = metadata.signedPart["meta"];
    if (!meta.isObject() || !meta.contains("targets.json"))
        return malformed(QStringLiteral("snapshot"), QStringLiteral("meta must list targets.json"));
    SnapshotMetadata snapshot;
    for (const auto &[name, entry] : meta.toObject()) {
        const QString fileName = QString::fromStdString(name);
        if (!fileName.endsWith(QLatin1String(".json")) || !isSafeRoleName(fileName.chopped(5)))
            return malformed(QStringLiteral("snapshot"), QStringLiteral("invalid meta file name \"%1\"").arg(fileName));
        auto file = parseMetaFile(entry, QStringLiteral("snapshot"), fileName);
        if (!file) return file.error();
        snapshot.files.emplace(fileName, std::move(*file));
    }
    snapshot.metadata = std::move(metadata);
    return snapshot;
}

bool isSafeTargetName(const QString &name) {
    if (name.isEmpty() || name.startsWith(u'/') || name.contains(u'\\')) return false;
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F) return false;
    }
    const QStringList segments = name.split(u'/');
    for (const QString &segment : segments) {
        if (segment.isEmpty() || segment == QLatin1String(".") || segment == QLatin1String("..")) return false;
    }
    return true;
}

bool isSafeRoleName(const QString &name) { return isSafeTargetName(name) && !name.contains(u'/'); }

bool DelegatedRole::matches(const QString &targetName) const {
    if (!pathHashPrefixes.isEmpty()) {
        const QString digest = sha256Hex(targetName.toUtf8());
        for (const QString &prefix : pathHashPrefixes) {
            if (digest.startsWith(prefix.toLower())) return true;
        }
        return false;
    }
    const QStringList targetParts = targetName.split(u'/');
    for (const QString &pattern : paths) {
        const QStringList patternParts = pattern.split(u'/');
        if (patternParts.size() != targetParts.size()) continue;
        bool all = true;
        for (qsizetype i = 0; i < patternParts.size() && all; ++i) all = matchSegment(patternParts[i], targetParts[i]);
        if (all) return true;
    }
    return false;
}

namespace {

Result<TargetFile> parseTargetFile(const QString &name, const JsonValue &json) {
    const QString role = QStringLiteral("targets");
    if (!isSafeTargetName(name))
        return malformed(role, QStringLiteral("unsafe target name \"%1\" (path traversal)").arg(name));
    if (!json.isObject() || !json["length"].isInteger() || json["length"].toInteger() < 0 ||
        !json["hashes"].isObject() || json["hashes"].toObject().empty())
        return malformed(role, QStringLiteral("target \"%1\" needs length and hashes").arg(name));
    TargetFile target;
    target.name = name;
    target.length = json["length"].toInteger();
    for (const auto &[algorithm, value] : json["hashes"].toObject()) {
        if (!value.isString() || !fromHex(value.toString()))
            return malformed(role, QStringLiteral("target \"%1\" has a non-hex hash").arg(name));
        target.hashes[QString::fromStdString(algorithm)] = value.toString().toLower();
    }
    if (json.contains("custom")) {
        if (!json["custom"].isObject())
            return malformed(role, QStringLiteral("target \"%1\" custom must be an object").arg(name));
        target.custom = json["custom"];
    }
    return target;
}

Result<DelegatedRole> parseDelegatedRole(const JsonValue &json) {
    const QString role = QStringLiteral("targets");
    DelegatedRole delegated;
    delegated.name = json["name"].toString();
    if (!json["name"].isString() || !isSafeRoleName(delegated.name) || delegated.name == QLatin1String("root") ||
        delegated.name == QLatin1String("timestamp") || delegated.name == QLatin1String("snapshot") ||
        delegated.name == QLatin1String("targets"))
        return malformed(role, QStringLiteral("invalid delegated role name \"%1\"").arg(delegated.name));
    auto keys = parseRoleKeys(json, role, delegated.name);
    if (!keys) return keys.error();
    delegated.keys = std::move(*keys);
    if (json.contains("terminating") && !json["terminating"].isBool())
        return malformed(role, QStringLiteral("terminating must be a boolean"));
    delegated.terminating = json["terminating"].toBool();
    const bool hasPaths = json.contains("paths");
    const bool hasPrefixes = json.contains("path_hash_prefixes");
    if (hasPaths == hasPrefixes)
        return malformed(
            role, QStringLiteral("role \"%1\" needs exactly one of paths and path_hash_prefixes").arg(delegated.name));
    const JsonValue &list = hasPaths ? json["paths"] : json["path_hash_prefixes"];
    if (!list.isArray())
        return malformed(role, QStringLiteral("role \"%1\" paths must be an array").arg(delegated.name));
    for (const JsonValue &entry : list.toArray()) {
        if (!entry.isString())
            return malformed(role, QStringLiteral("role \"%1\" has a non-string path").arg(delegated.name));
        (hasPaths ? delegated.paths : delegated.pathHashPrefixes).append(entry.toString());
    }
    return delegated;
}

} // namespace

Result<TargetsMetadata> parseTargets(SignedMetadata metadata) {
    const JsonValue &s = metadata.signedPart;
    const QString role = QStringLiteral("targets");
    if (!s["targets"].isObject()) return malformed(role, QStringLiteral("targets must be an object"));
    TargetsMetadata targets;
    for (const auto &[name, entry] : s["targets"].toObject()) {
        auto target = parseTargetFile(QString::fromStdString(name), entry);
        if (!target) return target.error();
        targets.targets.emplace(target->name, std::move(*target));
    }
    if (s.contains("delegations")) {
        targets.hasDelegations = true;
        const JsonValue &d = s["delegations"];
        if (!d.isObject() || !d["roles"].isArray())
            return malformed(role, QStringLiteral("delegations need keys and roles"));
        auto keys = parseKeyRing(d["keys"], role);
        if (!keys) return keys.error();
        targets.delegationKeys = std::move(*keys);
        QStringList names;
        for (const JsonValue &entry : d["roles"].toArray()) {
            auto delegated = parseDelegatedRole(entry);
            if (!delegated) return delegated.error();
            if (names.contains(delegated->name))
                return malformed(role, QStringLiteral("delegated role \"%1\" listed twice").arg(delegated->name));
            names.append(delegated->name);
            targets.delegations.push_back(std::move(*delegated));
        }
    }
    targets.metadata = std::move(metadata);
    return targets;
}

} // namespace conduit::trust
