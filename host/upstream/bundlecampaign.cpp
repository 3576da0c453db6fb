#include "bundlecampaign.h"

#include "verifiedstream.h"

#include <QCryptographicHash>
#include <QFileInfo>

namespace conduit::upstream {

namespace {

// The `conduit` block of a target's custom metadata, Director's first.
const trust::JsonValue *conduitField(const trust::VerifiedTarget &t, const char *key) {
    for (const trust::JsonValue *custom : {&t.directorCustom, &t.imageCustom}) {
        if (!custom->isObject() || !custom->contains("conduit")) continue;
        const trust::JsonValue &c = (*custom)["conduit"];
        if (c.isObject() && c.contains(key)) return &c[key];
    }
    return nullptr;
}

} // namespace

std::unique_ptr<BundleCampaign> BundleCampaign::open(const QString &path, const trust::TrustedState &trusted,
                                                     const QList<core::DeviceRecord> &devices, const QDateTime &now,
                                                     QString *error) {
    auto reader = trust::BundleReader::open(path);
    if (!reader) {
        *error = reader.error().message;
        return nullptr;
    }
    trust::Vehicle vehicle;
    for (const core::DeviceRecord &d : devices) vehicle.ecus.push_back({d.info.id, d.info.hardwareId});
    auto director = reader->metadataSource(QStringLiteral("director"));
    auto image = reader->metadataSource(QStringLiteral("image"));
    auto update = trust::verifyUptane(trusted, *director, *image, vehicle, now);
    if (!update) {
        *error = update.error().message;
        return nullptr;
    }
    auto bc = std::unique_ptr<BundleCampaign>(new BundleCampaign);
    bc->state_ = update->state;
    bc->payloads_.reader = std::make_shared<trust::BundleReader>(std::move(*reader));
    core::Campaign &c = bc->campaign_;
    c.origin = QStringLiteral("bundle:%1").arg(QFileInfo(path).absoluteFilePath());
    // The campaign's identity is what was signed: the same bundle is the
    // same campaign, a new release a new one.
    QCryptographicHash id(QCryptographicHash::Sha256);
    QMap<QString, QString> deviceOfTarget;
    for (const trust::VerifiedTarget &t : update->targets) deviceOfTarget.insert(t.name, t.ecuSerial);
    for (const trust::VerifiedTarget &t : update->targets) {
        if (!bc->payloads_.reader->target(t.name)) {
            *error = QStringLiteral("bundle does not carry the image of target %1").arg(t.name);
            return nullptr;
        }
        core::CampaignTarget ct;
        ct.deviceId = t.ecuSerial;
        ct.hardwareId = t.hardwareId;
        ct.targetName = t.name;
        ct.length = quint64(t.length);
        ct.sha256 = t.hashes.count(QStringLiteral("sha256")) ? t.hashes.at(QStringLiteral("sha256")) : QString();
        const trust::JsonValue *version = conduitField(t, "version");
        ct.version = version && version->isString() ? version->toString() : t.name;
        const trust::JsonValue *noRollback = conduitField(t, "allow_no_rollback");
        ct.allowNoRollback = noRollback && noRollback->isBool() && noRollback->toBool();
        ct.phase = int(t.policy.phase);
        for (const QString &dep : t.policy.dependencies) {
            if (!deviceOfTarget.contains(dep)) {
                *error = QStringLiteral("target %1 depends on %2, which this update does not install").arg(t.name, dep);
                return nullptr;
            }
            ct.dependencies << deviceOfTarget.value(dep);
        }
        ct.conditions.requireParked = t.policy.requiresParked;
        ct.conditions.minBatterySoc = t.policy.minBatterySoc ? int(*t.policy.minBatterySoc) : -1;
        ct.customJson = QString::fromUtf8(trust::canonicalJson(t.imageCustom.isObject() ? t.imageCustom : trust::JsonValue(trust::JsonValue::Object{})));
        c.targets << ct;
        bc->payloads_.targets.emplace(t.name, t);
        id.addData(t.ecuSerial.toUtf8() + '\0' + t.name.toUtf8() + '\0' + ct.sha256.toUtf8() + '\n');
    }
    c.id = QString::fromLatin1(id.result().toHex().left(16));
    c.name = QFileInfo(path).completeBaseName();
    return bc;
}

std::unique_ptr<QIODevice> BundleCampaign::Payloads::open(const core::CampaignTarget &target, QString *error) {
    auto it = targets.find(target.targetName);
    const trust::BundleEntry *entry = reader->target(target.targetName);
    if (it == targets.end() || !entry) {
        *error = QStringLiteral("target %1 is not in the bundle").arg(target.targetName);
        return nullptr;
    }
    return std::make_unique<VerifiedStream>(reader->openEntry(*entry),
                                            trust::ImageVerifier(it->second.name, it->second.length, it->second.hashes));
}

} // namespace conduit::upstream
