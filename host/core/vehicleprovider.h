// Where the vehicle's signals come from ([vehicle] source in
// docs/configuration.md). The conditions that keep the driver safe
// (parked, speed, battery) must come from a source the host trusts, never
// from the HMI: only the simulation provider, for the demo and tests, takes
// values over the control API (SetVehicleSignal), and it is off unless the
// configuration says `source = simulation`. Every provider writes through
// VehicleState::set(), which checks each value by its VSS type and range
// and timestamps it (stale signals are unknown).
#pragma once

#include "vehiclestate.h"

#include <QString>

#include <memory>
#include <optional>

namespace conduit::core {

enum class VehicleSource {
    None,       // no provider: every signal unknown, conditions that need one unmet
    Simulation, // values from the control API (conduitctl vehicle set), a parked car at start
    Kuksa,      // the Eclipse Kuksa databroker (kuksa.val.v2 gRPC): host/vehicle/kuksaprovider.h
};
QString vehicleSourceName(VehicleSource source);
std::optional<VehicleSource> vehicleSourceFromName(QStringView name);

class VehicleSignalProvider {
public:
    virtual ~VehicleSignalProvider() = default;
    virtual VehicleSource source() const = 0;
    // SetVehicleSignal: a value from the control API. Only the simulation
    // takes it; every other provider refuses (*notSupported = true) and
    // changes nothing. A value outside the signal's type or range is
    // refused with *notSupported = false.
    virtual bool simulate(const QString &signal, const QString &value, QString *error, bool *notSupported) = 0;
};

// The provider for None or Simulation, feeding `state` (which must outlive
// it); Kuksa is built by the daemon (host/vehicle/, with gRPC).
std::unique_ptr<VehicleSignalProvider> makeVehicleProvider(VehicleSource source, VehicleState *state);

// The simulation's state at start: a parked car with a healthy battery,
// online on a link that costs nothing (what the demo starts from; the
// engine tests use it too).
void simulateParkedCar(VehicleState *state);

} // namespace conduit::core
