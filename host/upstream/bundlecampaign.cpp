#include "bundlecampaign.h"

#include "admission.h"
#include "verifiedstream.h"

#include "trust/bundle.h"

#include <QFileInfo>

#include <map>

namespace conduit::upstream {

namespace {

// The images of one bundle, by target name.
class BundlePayloads : public core::PayloadSource {
public:
    std::unique_ptr<QIODevice> open(const core::CampaignTarget &target, QString *error) override {
        auto it = targets.find(target.targetName);
        const trust::BundleEntry *entry = reader ? reader->target(target.targetName) : nullptr;
        if (it == targets.end() || !entry) {
            *error = QStringLiteral("target %1 is not in the bundle").arg(target.targetName);
            return nullptr;
        }
        return std::make_unique<VerifiedStream>(
            reader->openEntry(*entry), trust::ImageVerifier(it->second.name, it->second.length, it->second.hashes));
    }
    std::shared_ptr<trust::BundleReader> reader;
    std::map<QString, trust::VerifiedTarget> targets;
};

// The bundle's metadata, and its images bound by target name: each must be
// there at exactly its signed length (the same refusal as `conduitctl
// verify`); the hashes are checked while it streams.
class BundleOffer : public UpdateOffer {
public:
    explicit BundleOffer(std::shared_ptr<trust::BundleReader> reader)
        : reader_(std::move(reader)), director_(reader_->metadataSource(QStringLiteral("director"))),
          image_(reader_->metadataSource(QStringLiteral("image"))) {}
    trust::MetadataSource &director() override { return *director_; }
    trust::MetadataSource &image() override { return *image_; }
    std::optional<QString> bindPayloads(const std::vector<trust::VerifiedTarget> &targets) override {
        auto bound = std::make_shared<BundlePayloads>();
        for (const trust::VerifiedTarget &t : targets) {
            if (auto entry = trust::bundledImage(*reader_, t); !entry) return entry.error().message;
            bound->targets.emplace(t.name, t);
        }
        bound->reader = reader_;
        payloads = std::move(bound);
        return std::nullopt;
    }
    std::shared_ptr<BundlePayloads> payloads; // once bound

private:
    std::shared_ptr<trust::BundleReader> reader_;
    std::unique_ptr<trust::MetadataSource> director_, image_;
};

} // namespace

namespace {

std::optional<core::Campaign> admitOpened(trust::Result<trust::BundleReader> reader, const QString &name,
                                          const QString &trustStatePath, const QList<core::DeviceRecord> &devices,
                                          const QDateTime &now, QString *error) {
    if (!reader) {
        *error = reader.error().message;
        return std::nullopt;
    }
    BundleOffer offer(std::make_shared<trust::BundleReader>(std::move(*reader)));
    auto admitted = admit(trustStatePath, vehicleOf(devices), offer, now);
    if (!admitted) {
        *error = admitted.error().message;
        return std::nullopt;
    }
    core::Campaign c = std::move(admitted->campaign);
    c.origin = core::CampaignOrigin::bundle(name);
    c.name = QFileInfo(name).completeBaseName();
    c.payloads = offer.payloads;
    return c;
}

} // namespace

std::optional<core::Campaign> admitBundle(const QString &path, const QString &trustStatePath,
                                          const QList<core::DeviceRecord> &devices, const QDateTime &now,
                                          QString *error) {
    return admitOpened(trust::BundleReader::open(path), QFileInfo(path).absoluteFilePath(), trustStatePath, devices,
                       now, error);
}

std::optional<core::Campaign> admitBundle(std::shared_ptr<QIODevice> bundle, const QString &name,
                                          const QString &trustStatePath, const QList<core::DeviceRecord> &devices,
                                          const QDateTime &now, QString *error) {
    return admitOpened(trust::BundleReader::open(std::move(bundle)), name, trustStatePath, devices, now, error);
}

} // namespace conduit::upstream
