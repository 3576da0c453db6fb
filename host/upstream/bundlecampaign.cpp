#include "bundlecampaign.h"

#include "uptanecampaign.h"
#include "verifiedstream.h"

#include <QFileInfo>

namespace conduit::upstream {


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
    for (const trust::VerifiedTarget &t : update->targets) {
        // The same refusal as `conduitctl verify`: an entry longer (or
        // shorter) than its signed length is refused before anything runs.
        if (auto image = trust::bundledImage(*bc->payloads_.reader, t); !image) {
            *error = image.error().message;
            return nullptr;
        }
        bc->payloads_.targets.emplace(t.name, t);
    }
    auto campaign = campaignFromUptane(*update, error);
    if (!campaign) return nullptr;
    core::Campaign &c = bc->campaign_;
    c = *campaign;
    c.origin = core::CampaignOrigin::bundle(QFileInfo(path).absoluteFilePath());
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
