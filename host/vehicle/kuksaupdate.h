// What a kuksa.val.v2 subscription delivers, taken into the VehicleState:
// one place for the provider (kuksaprovider.cpp) and the fuzz target
// (tests/fuzz/fuzz_kuksa_update.cpp), since the broker's messages cross a
// trust boundary. Each entry's typed value is handed to VehicleState::set(),
// which refuses what is not of the signal's VSS type and range.
#pragma once

#include "core/vehiclestate.h"

#include "kuksa/val/v2/val.pb.h"

#include <QStringList>

namespace conduit::vehicle {

// Returns the reasons of the entries refused (unknown signal, wrong type,
// out of range); entries without a value are skipped.
QStringList applySubscribeResponse(const kuksa::val::v2::SubscribeResponse &response, core::VehicleState *state);

} // namespace conduit::vehicle
