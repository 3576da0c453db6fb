// An offline update from a bundle (USB stick, workshop; docs/bundle.md):
// full Uptane verification against the host's trusted state for the ECUs
// this vehicle actually has, then a campaign whose targets, order and
// conditions come from the signed metadata only, and payloads that are
// verified as they stream to the agents.
#pragma once

#include "core/campaign.h"
#include "core/devicegateway.h"
#include "trust/bundle.h"
#include "trust/trustedstate.h"

#include <QDateTime>

#include <memory>

namespace conduit::upstream {

class BundleCampaign {
public:
    // `devices`: the vehicle's inventory (ECU serial and hardware id).
    // On failure *error names the problem or the attack detected.
    static std::unique_ptr<BundleCampaign> open(const QString &path, const trust::TrustedState &trusted,
                                                const QList<core::DeviceRecord> &devices, const QDateTime &now,
                                                QString *error);

    const core::Campaign &campaign() const { return campaign_; }
    // The trusted state after this verification: persist it (TrustStore)
    // once accepted, so versions and release counters never go back.
    const trust::TrustedState &verifiedState() const { return state_; }
    core::PayloadStore *payloads() { return &payloads_; }

private:
    class Payloads : public core::PayloadStore {
    public:
        std::unique_ptr<QIODevice> open(const core::CampaignTarget &target, QString *error) override;
        std::shared_ptr<trust::BundleReader> reader;
        std::map<QString, trust::VerifiedTarget> targets; // by target name
    };

    core::Campaign campaign_;
    trust::TrustedState state_;
    Payloads payloads_;
};

} // namespace conduit::upstream
