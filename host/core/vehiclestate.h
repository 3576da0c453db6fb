// The vehicle's state, by COVESA VSS signal names, from a provider. The
// simulation provider is set over the control API (`conduitctl vehicle set`)
// and in tests; a real one would read CAN or a VSS data broker.
#pragma once

#include "campaign.h"

#include <QObject>
#include <QVariantMap>

namespace conduit::core {

namespace vss {
inline const QString Speed = QStringLiteral("Vehicle.Speed");
inline const QString SelectedGear = QStringLiteral("Vehicle.Powertrain.Transmission.SelectedGear");
inline const QString BatterySoc = QStringLiteral("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current");
inline const QString IgnitionOn = QStringLiteral("Vehicle.LowVoltageSystemState");
// For data gathering: hard braking, position (personal data), the link.
inline const QString LongitudinalAcceleration = QStringLiteral("Vehicle.Acceleration.Longitudinal");
inline const QString Latitude = QStringLiteral("Vehicle.CurrentLocation.Latitude");
inline const QString Longitude = QStringLiteral("Vehicle.CurrentLocation.Longitude");
inline const QString ConnectivityAvailable = QStringLiteral("Vehicle.Connectivity.IsConnectivityAvailable");
// Not in VSS 4.0: Conduit's overlay (docs/dbus-api.md), whether the link
// costs by the byte (cellular roaming) or not (depot Wi-Fi).
inline const QString LinkMetered = QStringLiteral("Vehicle.Connectivity.IsMetered");
constexpr int GearPark = 126; // VSS: 126 = Park, 127 = Drive
} // namespace vss

class VehicleState : public QObject {
    Q_OBJECT
public:
    explicit VehicleState(QObject *parent = nullptr);

    QVariant value(const QString &signal) const { return values_.value(signal); }
    QVariantMap values() const { return values_; }
    // Sets a signal. Unknown names, values that are not of the signal's
    // VSS type (numbers: finite; booleans: true/false; strings: one of the
    // allowed values) or outside its range are refused with *error, and
    // the state is unchanged.
    bool set(const QString &signal, const QVariant &value, QString *error);
    static QStringList knownSignals();

    // Conditions not met now, each as a sentence for the driver
    // ("Shift to P", "Battery at 12 %, needs 40 %"). Empty when all hold.
    QStringList unmet(const Conditions &c) const;

signals:
    void changed();

private:
    QVariantMap values_;
};

} // namespace conduit::core
