// An offline update from a bundle (USB stick, workshop; docs/bundle.md),
// admitted like every update (admission.h): full Uptane verification
// against the host's trusted state for the ECUs this vehicle actually has,
// every verified target's image in the bundle at exactly its signed
// length, then a campaign whose targets, order and conditions come from the
// signed metadata only, and payloads that are verified as they stream to
// the agents.
#pragma once

#include "core/campaign.h"
#include "core/devicegateway.h"
#include "trust/bundle.h"

#include <QDateTime>

#include <map>
#include <memory>

namespace conduit::upstream {

class BundleCampaign {
public:
    // `devices`: the vehicle's inventory (ECU serial and hardware id). The
    // trusted state at `trustStatePath` is advanced once the bundle is
    // admitted. On failure *error names the problem or the attack detected.
    static std::unique_ptr<BundleCampaign> admit(const QString &path, const QString &trustStatePath,
                                                 const QList<core::DeviceRecord> &devices, const QDateTime &now, QString *error);

    const core::Campaign &campaign() const { return campaign_; }
    core::PayloadStore *payloads() { return &payloads_; }

private:
    class Payloads : public core::PayloadStore {
    public:
        std::unique_ptr<QIODevice> open(const core::CampaignTarget &target, QString *error) override;
        std::shared_ptr<trust::BundleReader> reader;
        std::map<QString, trust::VerifiedTarget> targets; // by target name
    };
    class Offer;

    core::Campaign campaign_;
    Payloads payloads_;
};

} // namespace conduit::upstream
