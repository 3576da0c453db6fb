#include "vehiclestate.h"

namespace conduit::core {

VehicleState::VehicleState(QObject *parent) : QObject(parent) {
    // A parked car with a healthy battery: what the demo starts from.
    values_[vss::Speed] = 0.0;
    values_[vss::SelectedGear] = vss::GearPark;
    values_[vss::BatterySoc] = 80.0;
    values_[vss::IgnitionOn] = QStringLiteral("ON");
}

QStringList VehicleState::knownSignals() { return {vss::Speed, vss::SelectedGear, vss::BatterySoc, vss::IgnitionOn}; }

bool VehicleState::set(const QString &signal, const QVariant &value, QString *error) {
    if (!knownSignals().contains(signal)) {
        *error = QStringLiteral("unknown signal %1 (known: %2)").arg(signal, knownSignals().join(QStringLiteral(", ")));
        return false;
    }
    QVariant v = value;
    if (signal != vss::IgnitionOn) {
        bool ok = false;
        const double d = value.toString().toDouble(&ok);
        if (!ok) {
            *error = QStringLiteral("%1 needs a number, got \"%2\"").arg(signal, value.toString());
            return false;
        }
        if (signal == vss::BatterySoc && (d < 0 || d > 100)) {
            *error = QStringLiteral("%1 must be within 0..100").arg(signal);
            return false;
        }
        v = signal == vss::SelectedGear ? QVariant(int(d)) : QVariant(d);
    }
    if (values_.value(signal) != v) {
        values_[signal] = v;
        emit changed();
    }
    return true;
}

QStringList VehicleState::unmet(const Conditions &c) const {
    QStringList out;
    if (c.requireParked) {
        if (values_.value(vss::Speed).toDouble() != 0.0)
            out << QStringLiteral("Stop the vehicle (speed %1 km/h)").arg(values_.value(vss::Speed).toDouble());
        if (values_.value(vss::SelectedGear).toInt() != vss::GearPark) out << QStringLiteral("Shift to P");
    }
    if (c.minBatterySoc >= 0) {
        const double soc = values_.value(vss::BatterySoc).toDouble();
        if (soc < c.minBatterySoc)
            out << QStringLiteral("Battery at %1 %, needs %2 %").arg(soc, 0, 'f', 0).arg(c.minBatterySoc);
    }
    return out;
}

} // namespace conduit::core
