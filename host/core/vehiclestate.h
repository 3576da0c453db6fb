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
constexpr int GearPark = 126; // VSS: 126 = Park, 127 = Drive
} // namespace vss

class VehicleState : public QObject {
    Q_OBJECT
public:
    explicit VehicleState(QObject *parent = nullptr);

    QVariant value(const QString &signal) const { return values_.value(signal); }
    QVariantMap values() const { return values_; }
    // Sets a signal; unknown names are refused with *error.
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
