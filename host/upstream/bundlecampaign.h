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

#include <memory>
#include <optional>

namespace conduit::upstream {

// `devices`: the vehicle's inventory (ECU serial and hardware id). The
// trusted state at `trustStatePath` is advanced once the bundle is
// admitted. On failure *error names the problem or the attack detected.
std::optional<core::Campaign> admitBundle(const QString &path, const QString &trustStatePath,
                                          const QList<core::DeviceRecord> &devices, const QDateTime &now,
                                          QString *error);
// The same for a bundle already open: a regular file a caller opened and
// passed (conduitd then never opens a path on a caller's behalf). `name`
// is what the campaign's origin and name show (the caller's path).
std::optional<core::Campaign> admitBundle(std::shared_ptr<QIODevice> bundle, const QString &name,
                                          const QString &trustStatePath, const QList<core::DeviceRecord> &devices,
                                          const QDateTime &now, QString *error);

} // namespace conduit::upstream
