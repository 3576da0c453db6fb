#include "admission.h"

#include "uptanecampaign.h"

#include "trust/trustedstate.h"

namespace conduit::upstream {

trust::Vehicle vehicleOf(const QList<core::DeviceRecord> &devices, const QString &vin) {
    trust::Vehicle vehicle;
    vehicle.vin = vin;
    for (const core::DeviceRecord &d : devices) vehicle.ecus.push_back({d.info.id, d.info.hardwareId});
    return vehicle;
}

error::Result<Admitted, AdmissionStep> admit(const QString &trustStatePath, const trust::Vehicle &vehicle,
                                             UpdateOffer &offer, const QDateTime &now) {
    using Step = AdmissionStep;
    const trust::TrustStore store(trustStatePath);
    if (!store.exists())
        return AdmissionRefusal{
            Step::TrustedState,
            QStringLiteral("no trusted state at %1: provision it first (conduitctl provision)").arg(trustStatePath)};
    auto trusted = store.load();
    if (!trusted)
        return AdmissionRefusal{
            Step::TrustedState,
            QStringLiteral("the trusted state at %1 cannot be used: %2").arg(trustStatePath, trusted.error().message)};
    auto update = trust::verifyUptane(*trusted, offer.director(), offer.image(), vehicle, now);
    if (!update) return AdmissionRefusal{Step::Uptane, update.error().message};
    if (auto why = offer.bindPayloads(update->targets)) return AdmissionRefusal{Step::Payloads, *why};
    QString error;
    auto campaign = campaignFromUptane(*update, &error);
    if (!campaign) return AdmissionRefusal{Step::Campaign, error};
    // Verified metadata is trusted from now on, whatever the install
    // brings: versions and release counters never go back.
    auto saved = store.save(update->state);
    if (!saved) return AdmissionRefusal{Step::SaveState, saved.error().message};
    return Admitted{std::move(*campaign), std::move(update->targets)};
}

} // namespace conduit::upstream
