// Admission: how an update offered to the vehicle becomes a campaign. One
// path for every source (a DDI action, an offline bundle):
//
//   load the trusted state → Uptane full verification for the vehicle's
//   inventory → bind the source's payloads to the verified targets → build
//   the campaign from the signed metadata → save the new trusted state
//
// The trusted state is saved only after every check passed, and before the
// install starts; it stays saved if the install fails or rolls back
// (docs/metadata.md §8). The caller names the campaign and submits it.
#pragma once

#include "core/campaign.h"
#include "core/devicegateway.h"
#include "error/result.h"
#include "trust/uptane.h"

#include <QDateTime>

#include <optional>
#include <vector>

namespace conduit::upstream {

// What a source offers: the two repositories' metadata, and payloads it
// must show to carry every verified target before anything is admitted.
class UpdateOffer {
public:
    virtual ~UpdateOffer() = default;
    virtual trust::MetadataSource &director() = 0;
    virtual trust::MetadataSource &image() = 0;
    // Binds the source's payloads to `targets` (verified, for this
    // vehicle). The reason when they do not carry them all, else nullopt.
    virtual std::optional<QString> bindPayloads(const std::vector<trust::VerifiedTarget> &targets) = 0;
};

// The error domain of admission: the step that refused the update.
enum class AdmissionStep {
    TrustedState, // not provisioned, or unreadable
    Uptane,       // verification failed: an attack or a broken repository
    Payloads,     // the payloads do not carry the verified targets
    Campaign,     // the signed policy does not make a campaign
    SaveState,    // the new trusted state could not be saved
};
using AdmissionRefusal = error::DomainError<AdmissionStep>;

struct Admitted {
    core::Campaign campaign; // id from the signed targets; the caller sets name and origin
    std::vector<trust::VerifiedTarget> targets;
};

// The vehicle Uptane verifies for: the inventory's ECUs, and the VIN if known.
trust::Vehicle vehicleOf(const QList<core::DeviceRecord> &devices, const QString &vin = {});

error::Result<Admitted, AdmissionStep> admit(const QString &trustStatePath, const trust::Vehicle &vehicle,
                                             UpdateOffer &offer, const QDateTime &now);

} // namespace conduit::upstream
