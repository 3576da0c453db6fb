// The vehicle's state, by COVESA VSS signal names, as a provider
// (vehicleprovider.h) reports it: every value checked against its VSS type
// and range, and timestamped, so that a signal that stopped arriving counts
// as unknown. It starts with nothing known: a condition that needs a signal
// no provider reported is unmet.
#pragma once

#include "campaign.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>
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
    // What was reported, stale or not (GetVehicleState).
    QVariantMap values() const { return values_; }
    // Sets a signal. Unknown names, values that are not of the signal's
    // VSS type (numbers: finite; booleans: true/false; strings: one of the
    // allowed values) or outside its range are refused with *error, and
    // the state is unchanged.
    // A value that is accepted counts as an update, changed or not.
    bool set(const QString &signal, const QVariant &value, QString *error);
    static QStringList knownSignals();

    // A signal not updated for longer than this is stale: unknown to
    // unmet(). 0 (the default): values hold until set again.
    void setMaxAgeMs(int ms);
    int maxAgeMs() const { return maxAgeMs_; }
    // Known and not stale.
    bool fresh(const QString &signal) const;

    // Conditions not met now, each as a sentence for the driver
    // ("Shift to P", "Battery at 12 %, needs 40 %", "Vehicle speed not
    // known"). A signal the condition needs that is unknown or stale makes
    // it unmet. Empty when all hold.
    QStringList unmet(const Conditions &c) const;

signals:
    // A value changed, or a signal became stale.
    void changed();

private:
    void checkStale();

    QVariantMap values_;
    QHash<QString, qint64> updatedMs_; // clock_ ms of each signal's last update
    QElapsedTimer clock_;              // monotonic
    int maxAgeMs_ = 0;
    QTimer staleTimer_;
    QStringList stale_; // as of the last checkStale()
};

} // namespace conduit::core
