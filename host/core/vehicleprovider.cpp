#include "vehicleprovider.h"

#include "vocabulary.h"

#include <array>

namespace conduit::core {

namespace {

constexpr std::array<Named<VehicleSource>, 3> kSources{{
    {VehicleSource::None, "none"},
    {VehicleSource::Simulation, "simulation"},
    {VehicleSource::Kuksa, "kuksa"},
}};

class NoProvider : public VehicleSignalProvider {
public:
    VehicleSource source() const override { return VehicleSource::None; }
    bool simulate(const QString &, const QString &, QString *error, bool *notSupported) override {
        *notSupported = true;
        *error = QStringLiteral("vehicle simulation is off: the vehicle's signals come from a trusted provider "
                                "([vehicle] source = %1), never from the control API; set source = simulation "
                                "for a demo or a test")
                     .arg(vehicleSourceName(source()));
        return false;
    }
};

class SimulationProvider : public VehicleSignalProvider {
public:
    explicit SimulationProvider(VehicleState *state) : state_(state) { simulateParkedCar(state_); }
    VehicleSource source() const override { return VehicleSource::Simulation; }
    bool simulate(const QString &signal, const QString &value, QString *error, bool *notSupported) override {
        *notSupported = false;
        return state_->set(signal, value, error);
    }

private:
    VehicleState *state_;
};

} // namespace

QString vehicleSourceName(VehicleSource source) { return nameOf(kSources, source); }
std::optional<VehicleSource> vehicleSourceFromName(QStringView name) { return valueOf(kSources, name); }

std::unique_ptr<VehicleSignalProvider> makeVehicleProvider(VehicleSource source, VehicleState *state) {
    if (source == VehicleSource::Simulation) return std::make_unique<SimulationProvider>(state);
    return std::make_unique<NoProvider>();
}

void simulateParkedCar(VehicleState *state) {
    const std::pair<QString, QVariant> parked[] = {
        {vss::Speed, 0.0},
        {vss::SelectedGear, vss::GearPark},
        {vss::BatterySoc, 80.0},
        {vss::IgnitionOn, QStringLiteral("ON")},
        {vss::LongitudinalAcceleration, 0.0},
        {vss::ConnectivityAvailable, true},
        {vss::LinkMetered, false},
    };
    QString error;
    for (const auto &[signal, value] : parked) state->set(signal, value, &error);
}

} // namespace conduit::core
