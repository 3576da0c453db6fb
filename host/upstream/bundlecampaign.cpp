#include "bundlecampaign.h"

#include "admission.h"
#include "verifiedstream.h"

#include <QFileInfo>

namespace conduit::upstream {

// The bundle's metadata, and its images bound by target name: each must be
// there at exactly its signed length (the same refusal as `conduitctl
// verify`); the hashes are checked while it streams.
class BundleCampaign::Offer : public UpdateOffer {
public:
    Offer(std::shared_ptr<trust::BundleReader> reader, Payloads *payloads)
        : reader_(std::move(reader)), director_(reader_->metadataSource(QStringLiteral("director"))),
          image_(reader_->metadataSource(QStringLiteral("image"))), payloads_(payloads) {}
    trust::MetadataSource &director() override { return *director_; }
    trust::MetadataSource &image() override { return *image_; }
    std::optional<QString> bindPayloads(const std::vector<trust::VerifiedTarget> &targets) override {
        for (const trust::VerifiedTarget &t : targets) {
            if (auto entry = trust::bundledImage(*reader_, t); !entry) return entry.error().message;
            payloads_->targets.emplace(t.name, t);
        }
        payloads_->reader = reader_;
        return std::nullopt;
    }

private:
    std::shared_ptr<trust::BundleReader> reader_;
    std::unique_ptr<trust::MetadataSource> director_, image_;
    Payloads *payloads_;
};

std::unique_ptr<BundleCampaign> BundleCampaign::admit(const QString &path, const QString &trustStatePath,
                                                      const QList<core::DeviceRecord> &devices, const QDateTime &now,
                                                      QString *error) {
    auto reader = trust::BundleReader::open(path);
    if (!reader) {
        *error = reader.error().message;
        return nullptr;
    }
    auto bc = std::unique_ptr<BundleCampaign>(new BundleCampaign);
    Offer offer(std::make_shared<trust::BundleReader>(std::move(*reader)), &bc->payloads_);
    auto admitted = upstream::admit(trustStatePath, vehicleOf(devices), offer, now);
    if (auto *refusal = std::get_if<AdmissionRefusal>(&admitted)) {
        *error = refusal->message;
        return nullptr;
    }
    core::Campaign &c = bc->campaign_;
    c = std::move(std::get<Admitted>(admitted).campaign);
    c.origin = QStringLiteral("bundle:%1").arg(QFileInfo(path).absoluteFilePath());
    c.name = QFileInfo(path).completeBaseName();
    return bc;
}

std::unique_ptr<QIODevice> BundleCampaign::Payloads::open(const core::CampaignTarget &target, QString *error) {
    auto it = targets.find(target.targetName);
    const trust::BundleEntry *entry = reader ? reader->target(target.targetName) : nullptr;
    if (it == targets.end() || !entry) {
        *error = QStringLiteral("target %1 is not in the bundle").arg(target.targetName);
        return nullptr;
    }
    return std::make_unique<VerifiedStream>(reader->openEntry(*entry),
                                            trust::ImageVerifier(it->second.name, it->second.length, it->second.hashes));
}

} // namespace conduit::upstream
