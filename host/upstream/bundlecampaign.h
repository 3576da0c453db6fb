// An offline update from a bundle (USB stick, workshop; docs/bundle.md),
// admitted like every update (admission.h): full Uptane verification
// against the host's trusted state for the ECUs this vehicle actually has,
// every verified target's image in the bundle at exactly its signed
// length, then a campaign whose targets, order and conditions come from the
// signed metadata only, and whose payloads (Campaign::payloads) are read
// from the bundle and verified as they stream to the agents.
#pragma once

#include "core/campaign.h"
#include "core/devicegateway.h"

#include <QDateTime>

#include <optional>

namespace conduit::upstream {

// `devices`: the vehicle's inventory (ECU serial and hardware id). The
// trusted state at `trustStatePath` is advanced once the bundle is
// admitted. On failure *error names the problem or the attack detected.
std::optional<core::Campaign> admitBundle(const QString &path, const QString &trustStatePath,
                                          const QList<core::DeviceRecord> &devices, const QDateTime &now,
                                          QString *error);

} // namespace conduit::upstream
