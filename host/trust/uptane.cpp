#include "trust/uptane.h"

#include "trust/trustlog.h"

#include <set>

namespace conduit::trust {

namespace {

TrustError vehicleError(const QString &message) { return trustError(TrustErrorKind::Vehicle, message); }

TrustError mixAndMatch(const QString &message) {
    return trustError(TrustErrorKind::MixAndMatch, QStringLiteral("mix-and-match attack: ") + message);
}

Result<qint64> releaseCounterOf(const JsonValue &custom, const QString &target, const char *repository) {
    const JsonValue &value = custom["release_counter"];
    if (value.isNull()) return qint64(-1);
    if (!value.isInteger() || value.toInteger() < 0) {
        return trustError(
            TrustErrorKind::Malformed,
            QStringLiteral("%1 target %2: invalid release_counter").arg(QLatin1String(repository), target));
    }
    return value.toInteger();
}

// Policy from the merged Director and Image "conduit" blocks; a key present
// in both must carry the same value (SHALL-match).
Result<InstallPolicy> policyOf(const QString &target, const JsonValue &director, const JsonValue &image) {
    JsonValue merged(JsonValue::Object{});
    for (const JsonValue *block : {&image, &director}) {
        if (block->isNull()) continue;
        if (!block->isObject())
            return trustError(TrustErrorKind::Malformed,
                              QStringLiteral("target %1: conduit policy must be an object").arg(target));
        for (const auto &[key, value] : block->toObject()) {
            if (merged.contains(key) && !(merged[key] == value)) {
                return mixAndMatch(QStringLiteral("director and image repository disagree on conduit.%1 of %2")
                                       .arg(QString::fromStdString(key), target));
            }
            merged.insert(key, value);
        }
    }
    const auto bad = [&](const char *field) {
        return trustError(TrustErrorKind::Malformed,
                          QStringLiteral("target %1: invalid conduit.%2").arg(target, QLatin1String(field)));
    };
    InstallPolicy policy;
    if (merged.contains("phase")) {
        if (!merged["phase"].isInteger() || merged["phase"].toInteger() < 0) return bad("phase");
        policy.phase = merged["phase"].toInteger();
    }
    if (merged.contains("dependencies")) {
        if (!merged["dependencies"].isArray()) return bad("dependencies");
        for (const JsonValue &dep : merged["dependencies"].toArray()) {
            if (!dep.isString()) return bad("dependencies");
            policy.dependencies.append(dep.toString());
        }
    }
    const JsonValue &conditions = merged["conditions"];
    if (!conditions.isNull()) {
        if (!conditions.isObject()) return bad("conditions");
        if (conditions.contains("parked")) {
            if (!conditions["parked"].isBool()) return bad("conditions.parked");
            policy.requiresParked = conditions["parked"].toBool();
        }
        if (conditions.contains("min_battery_soc")) {
            const JsonValue &soc = conditions["min_battery_soc"];
            if (!soc.isInteger() || soc.toInteger() < 0 || soc.toInteger() > 100)
                return bad("conditions.min_battery_soc");
            policy.minBatterySoc = soc.toInteger();
        }
    }
    return policy;
}

class FullVerification {
public:
    FullVerification(const TrustedState &trusted, const Vehicle &vehicle, const QDateTime &now)
        : m_trusted(trusted), m_vehicle(vehicle), m_now(now) {
        m_out.state = trusted;
    }

    Result<UptaneUpdate> run(MetadataSource &directorSource, MetadataSource &imageSource, const RoleLimits &limits) {
        if (m_trusted.lastTrustedTime.isValid() && m_now < m_trusted.lastTrustedTime) {
            return trustError(
                TrustErrorKind::Freeze,
                QStringLiteral("freeze attack: clock moved backwards (now %1 is before the last trusted time %2)")
                    .arg(formatExpiry(m_now), formatExpiry(m_trusted.lastTrustedTime)));
        }
        auto director =
            refreshRepository(QStringLiteral("director"), m_trusted.director, directorSource, m_now, limits);
        if (!director) return director.error();
        if (director->targets.hasDelegations) {
            return trustError(TrustErrorKind::ArbitrarySoftware,
                              QStringLiteral("arbitrary software attack: director targets metadata must not delegate"));
        }
        auto image = refreshRepository(QStringLiteral("image"), m_trusted.image, imageSource, m_now, limits);
        if (!image) return image.error();

        for (const auto &[name, target] : director->targets.targets) {
            auto checked = checkTarget(target, *image);
            if (!checked) return checked.error();
        }
        m_out.state.director = director->state;
        m_out.state.image = image->state;
        m_out.state.lastTrustedTime = m_now;
        qCInfo(lcTrust) << "Uptane full verification passed:" << m_out.targets.size() << "target(s) for vehicle"
                        << m_vehicle.vin;
        return std::move(m_out);
    }

private:
    const Ecu *findEcu(const QString &serial) const {
        for (const Ecu &ecu : m_vehicle.ecus) {
            if (ecu.serial == serial) return &ecu;
        }
        return nullptr;
    }

    Status checkTarget(const TargetFile &target, const VerifiedRepository &image) {
        const JsonValue &ecus = target.custom["ecu_identifiers"];
        if (!ecus.isObject() || ecus.toObject().empty()) {
            return trustError(
                TrustErrorKind::Malformed,
                QStringLiteral("director target %1 names no ECU (custom.ecu_identifiers)").arg(target.name));
        }
        const auto imageTarget = image.findTarget(target.name);
        if (!imageTarget) {
            return trustError(
                TrustErrorKind::ArbitrarySoftware,
                QStringLiteral("arbitrary software attack: %1 is not in the image repository").arg(target.name));
        }
        if (imageTarget->length != target.length) {
            return mixAndMatch(QStringLiteral("director lists %1 with length %2, image repository with %3")
                                   .arg(target.name)
                                   .arg(target.length)
                                   .arg(imageTarget->length));
        }
        bool commonHash = false;
        for (const auto &[algorithm, digest] : target.hashes) {
            auto it = imageTarget->hashes.find(algorithm);
            if (it == imageTarget->hashes.end()) continue;
            commonHash = true;
            if (it->second != digest) {
                return mixAndMatch(QStringLiteral("director and image repository disagree on the %1 hash of %2")
                                       .arg(algorithm, target.name));
            }
        }
        if (!commonHash)
            return mixAndMatch(
                QStringLiteral("director and image repository share no hash algorithm for %1").arg(target.name));

        auto directorCounter = releaseCounterOf(target.custom, target.name, "director");
        auto imageCounter = releaseCounterOf(imageTarget->custom, target.name, "image");
        if (!directorCounter) return directorCounter.error();
        if (!imageCounter) return imageCounter.error();
        if (*directorCounter >= 0 && *imageCounter >= 0 && *directorCounter != *imageCounter) {
            return mixAndMatch(
                QStringLiteral("director and image repository disagree on the release counter of %1 (%2 vs %3)")
                    .arg(target.name)
                    .arg(*directorCounter)
                    .arg(*imageCounter));
        }
        const qint64 counter = std::max<qint64>({*directorCounter, *imageCounter, 0});
        auto policy = policyOf(target.name, target.custom["conduit"], imageTarget->custom["conduit"]);
        if (!policy) return policy.error();

        for (const auto &[serialKey, ecuJson] : ecus.toObject()) {
            const QString serial = QString::fromStdString(serialKey);
            if (!m_seenSerials.insert(serial).second) {
                return mixAndMatch(QStringLiteral("director targets assign ECU %1 more than once").arg(serial));
            }
            const Ecu *ecu = findEcu(serial);
            if (!ecu)
                return vehicleError(QStringLiteral("director targets name ECU %1, which is not in vehicle %2")
                                        .arg(serial, m_vehicle.vin));
            const QString hardwareId = ecuJson["hardware_id"].toString();
            if (!ecuJson["hardware_id"].isString() || hardwareId != ecu->hardwareId) {
                return vehicleError(
                    QStringLiteral("wrong hardware id: director assigns %1 (hardware %2) to ECU %3 with hardware %4")
                        .arg(target.name, hardwareId, serial, ecu->hardwareId));
            }
            const JsonValue &allowed = imageTarget->custom["hardware_ids"];
            if (allowed.isArray()) {
                bool listed = false;
                for (const JsonValue &id : allowed.toArray())
                    listed = listed || (id.isString() && id.toString() == hardwareId);
                if (!listed) {
                    return vehicleError(
                        QStringLiteral("wrong hardware id: image %1 is not built for hardware %2 (ECU %3)")
                            .arg(target.name, hardwareId, serial));
                }
            }
            const auto trustedCounter = m_trusted.releaseCounters.find(serial);
            if (trustedCounter != m_trusted.releaseCounters.end() && counter < trustedCounter->second) {
                return trustError(TrustErrorKind::Rollback,
                                  QStringLiteral("rollback attack: release counter of %1 for ECU %2 is %3 < %4")
                                      .arg(target.name, serial)
                                      .arg(counter)
                                      .arg(trustedCounter->second));
            }
            m_out.state.releaseCounters[serial] = counter;

            VerifiedTarget verified;
            verified.ecuSerial = serial;
            verified.hardwareId = hardwareId;
            verified.name = target.name;
            verified.imagePath = image.targetFilePath(*imageTarget);
            verified.length = target.length;
            verified.hashes = imageTarget->hashes;
            verified.releaseCounter = counter;
            verified.policy = *policy;
            verified.directorCustom = target.custom;
            verified.imageCustom = imageTarget->custom;
            m_out.targets.push_back(std::move(verified));
        }
        return Ok{};
    }

    const TrustedState &m_trusted;
    const Vehicle &m_vehicle;
    QDateTime m_now;
    UptaneUpdate m_out;
    std::set<QString> m_seenSerials;
};

} // namespace

Result<UptaneUpdate> verifyUptane(const TrustedState &trusted, MetadataSource &director, MetadataSource &image,
                                  const Vehicle &vehicle, const QDateTime &now, const RoleLimits &limits) {
    return FullVerification(trusted, vehicle, now).run(director, image, limits);
}

} // namespace conduit::trust
