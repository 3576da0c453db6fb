#include "admission.h"

#include <QFile>

namespace conduit::gathering::campaign {

using trust::JsonValue;

namespace {

CampaignError malformed(const QString &what) { return campaignError(CampaignErrorKind::Malformed, what); }

// The envelope's shape: exactly "signed" and "signatures".
Status envelopeShape(const JsonValue &doc) {
    if (!doc.isObject()) return malformed(QStringLiteral("the document is not a JSON object"));
    for (const auto &[key, value] : doc.toObject())
        if (key != "signed" && key != "signatures")
            return malformed(QStringLiteral("%1: unknown field").arg(QString::fromStdString(key)));
    return error::Ok{};
}

} // namespace

Result<CampaignKeys> CampaignKeys::parse(QByteArrayView json) {
    auto doc = trust::parseJson(json, trust::JsonLimits{1 << 20, 8});
    auto fail = [](const QString &what) {
        return campaignError(CampaignErrorKind::Malformed, QStringLiteral("campaign trust file: %1").arg(what));
    };
    if (!doc) return fail(doc.error().message);
    if (!doc->isObject()) return fail(QStringLiteral("not a JSON object"));
    for (const auto &[key, value] : doc->toObject())
        if (key != "_type" && key != "threshold" && key != "keys")
            return fail(QStringLiteral("%1: unknown field").arg(QString::fromStdString(key)));
    if ((*doc)["_type"].toString() != QLatin1String("campaign-keys"))
        return fail(QStringLiteral("_type must be \"campaign-keys\""));
    if (!(*doc)["keys"].isObject() || (*doc)["keys"].toObject().empty())
        return fail(QStringLiteral("keys must be a non-empty object"));
    CampaignKeys out;
    for (const auto &[id, keyJson] : (*doc)["keys"].toObject()) {
        auto key = trust::PublicKey::fromJson(keyJson);
        const QString keyId = QString::fromStdString(id);
        if (!key) return fail(QStringLiteral("key %1: %2").arg(keyId, key.error().message));
        if (key->keyId() != keyId) return fail(QStringLiteral("key %1: its key id is %2").arg(keyId, key->keyId()));
        out.keys.emplace(keyId, std::move(*key));
    }
    const JsonValue &threshold = (*doc)["threshold"];
    if (!threshold.isInteger() || threshold.toInteger() < 1 || threshold.toInteger() > qint64(out.keys.size()))
        return fail(
            QStringLiteral("threshold must be an integer from 1 to the number of keys (%1)").arg(out.keys.size()));
    out.threshold = threshold.toInteger();
    return out;
}

Result<CampaignKeys> CampaignKeys::load(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return campaignError(
            CampaignErrorKind::Storage,
            QStringLiteral("cannot read the campaign trust file %1: %2").arg(path, file.errorString()));
    auto keys = parse(file.read(1 << 20));
    if (!keys) return campaignError(keys.error().kind, QStringLiteral("%1: %2").arg(path, keys.error().message));
    return keys;
}

QByteArray CampaignKeys::serialize(const std::vector<trust::PublicKey> &keys, qint64 threshold) {
    JsonValue::Object ring;
    for (const trust::PublicKey &k : keys) ring.emplace(k.keyId().toStdString(), k.json());
    return trust::compactJson(JsonValue(JsonValue::Object{{"_type", JsonValue("campaign-keys")},
                                                          {"threshold", JsonValue(threshold)},
                                                          {"keys", JsonValue(std::move(ring))}})) +
           '\n';
}

Result<VerifiedCampaign> verifyCampaign(QByteArrayView bytes, const CampaignKeys &keys, const VehicleIdentity &vehicle,
                                        qint64 nowMs, const CampaignLimits &limits) {
    if (bytes.size() > limits.maxDocumentBytes)
        return campaignError(CampaignErrorKind::TooLarge, QStringLiteral("the document has %1 bytes, the limit is %2")
                                                              .arg(bytes.size())
                                                              .arg(limits.maxDocumentBytes));
    auto doc = trust::parseJson(bytes, trust::JsonLimits{limits.maxDocumentBytes, 16});
    if (!doc) return malformed(doc.error().message);
    if (auto shape = envelopeShape(*doc); !shape) return shape.error();
    auto md = trust::parseSignedMetadata(bytes, QStringLiteral("campaign"), limits.maxDocumentBytes);
    if (!md) return malformed(md.error().message);
    const QString name =
        QStringLiteral("campaign %1 version %2").arg((*doc)["signed"]["id"].toString()).arg(md->version);

    trust::RoleKeys role{{}, keys.threshold};
    for (const auto &[id, key] : keys.keys) role.keyIds.append(id);
    if (auto signedEnough = trust::verifyThreshold(*md, keys.keys, role, QStringLiteral("campaign")); !signedEnough)
        return campaignError(CampaignErrorKind::Unsigned,
                             QStringLiteral("%1: %2").arg(name, signedEnough.error().message));

    auto campaign = parseCampaign((*doc)["signed"], limits);
    if (!campaign) return campaign.error();
    if (campaign->expiresMs <= nowMs)
        return campaignError(CampaignErrorKind::Expired,
                             QStringLiteral("%1 expired at %2 (now %3)")
                                 .arg(name, trust::formatExpiry(QDateTime::fromMSecsSinceEpoch(campaign->expiresMs)),
                                      trust::formatExpiry(QDateTime::fromMSecsSinceEpoch(nowMs))));
    if (!inScope(campaign->scope, vehicle))
        return campaignError(CampaignErrorKind::OutOfScope,
                             QStringLiteral("%1 is not for vehicle %2 (scope: vehicles %3%4)")
                                 .arg(name, vehicle.vehicleId, campaign->scope.vehicles.join(u','),
                                      campaign->scope.devices.isEmpty()
                                          ? QString()
                                          : QStringLiteral(", devices %1").arg(campaign->scope.devices.join(u','))));
    return VerifiedCampaign{std::move(*campaign), std::move(*doc)};
}

Result<QByteArray> signCampaign(QByteArrayView document, const std::vector<trust::SigningKey> &keys,
                                const CampaignLimits &limits) {
    auto doc = trust::parseJson(document, trust::JsonLimits{limits.maxDocumentBytes, 16});
    if (!doc) return malformed(doc.error().message);
    JsonValue signedPart = doc->contains("signed") ? (*doc)["signed"] : *doc;
    if (doc->contains("signed"))
        if (auto shape = envelopeShape(*doc); !shape) return shape.error();
    if (auto campaign = parseCampaign(signedPart, limits); !campaign) return campaign.error();
    if (keys.empty()) return malformed(QStringLiteral("no signing key given"));
    const QByteArray canonical = trust::canonicalJson(signedPart);
    JsonValue::Array signatures;
    for (const trust::SigningKey &key : keys)
        signatures.push_back(JsonValue(JsonValue::Object{{"keyid", JsonValue(key.keyId())},
                                                         {"sig", JsonValue(trust::toHex(key.sign(canonical)))}}));
    return trust::compactJson(JsonValue(
        JsonValue::Object{{"signatures", JsonValue(std::move(signatures))}, {"signed", std::move(signedPart)}}));
}

} // namespace conduit::gathering::campaign
