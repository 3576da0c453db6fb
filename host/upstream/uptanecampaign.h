// Builds a campaign from an Uptane-verified update: one target per ECU,
// order, dependencies and conditions from the signed `conduit` policy only.
#pragma once

#include "core/campaign.h"
#include "trust/uptane.h"

#include <optional>

namespace conduit::upstream {

std::optional<core::Campaign> campaignFromUptane(const trust::UptaneUpdate &update, QString *error);

} // namespace conduit::upstream
