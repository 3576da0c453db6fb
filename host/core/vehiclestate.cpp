#include "vehiclestate.h"

#include <cmath>
#include <map>
#include <optional>

namespace conduit::core {

namespace {

// What each signal holds, after its VSS 4.0 type and unit.
struct SignalType {
    enum Kind { Real, Integer, Boolean, Enumeration } kind;
    double min = 0, max = 0; // Real, Integer
    QList<int> extra;        // Integer: further allowed values (gears P and D)
    QStringList values;      // Enumeration
    const char *unit = "";   // for messages
};

const std::map<QString, SignalType> &signalTypes() {
    static const std::map<QString, SignalType> types{
        // km/h; the simulation gives the magnitude (a car reversing is 5, not -5).
        {vss::Speed, {SignalType::Real, 0, 400, {}, {}, " km/h"}},
        // -1..-10 reverse gears, 0 neutral, 1..15 forward; 126 Park, 127 Drive.
        {vss::SelectedGear, {SignalType::Integer, -10, 15, {vss::GearPark, 127}, {}, ""}},
        {vss::BatterySoc, {SignalType::Real, 0, 100, {}, {}, " %"}},
        {vss::IgnitionOn,
         {SignalType::Enumeration,
          0,
          0,
          {},
          {QStringLiteral("UNDEFINED"), QStringLiteral("LOCK"), QStringLiteral("OFF"), QStringLiteral("ACC"),
           QStringLiteral("ON"), QStringLiteral("START")},
          ""}},
        // m/s², positive forward: hard braking is about -6 and below.
        {vss::LongitudinalAcceleration, {SignalType::Real, -100, 100, {}, {}, " m/s²"}},
        {vss::Latitude, {SignalType::Real, -90, 90, {}, {}, "°"}},
        {vss::Longitude, {SignalType::Real, -180, 180, {}, {}, "°"}},
        {vss::ConnectivityAvailable, {SignalType::Boolean}},
        {vss::LinkMetered, {SignalType::Boolean}},
    };
    return types;
}

std::optional<QVariant> checked(const QString &signal, const SignalType &t, const QVariant &value, QString *error) {
    const QString text = value.toString();
    auto refuse = [&](const QString &why) {
        *error = QStringLiteral("%1 %2, got \"%3\"").arg(signal, why, text.left(64));
        return std::nullopt;
    };
    switch (t.kind) {
    case SignalType::Boolean:
        if (value.typeId() == QMetaType::Bool) return value;
        if (text == QLatin1String("true") || text == QLatin1String("false"))
            return QVariant(text == QLatin1String("true"));
        return refuse(QStringLiteral("is true or false"));
    case SignalType::Enumeration:
        if (t.values.contains(text)) return QVariant(text);
        return refuse(QStringLiteral("is one of %1").arg(t.values.join(QStringLiteral(", "))));
    case SignalType::Real:
    case SignalType::Integer: {
        bool ok = false;
        const double d = text.toDouble(&ok);
        if (!ok || !std::isfinite(d)) return refuse(QStringLiteral("needs a finite number"));
        const QString range =
            QStringLiteral("must be within %1..%2%3").arg(t.min).arg(t.max).arg(QString::fromUtf8(t.unit));
        if (t.kind == SignalType::Real) {
            if (d < t.min || d > t.max) return refuse(range);
            return QVariant(d);
        }
        if (d != std::floor(d)) return refuse(QStringLiteral("needs a whole number"));
        if ((d < t.min || d > t.max) && !t.extra.contains(int(d)))
            return refuse(t.extra.isEmpty() ? range : QStringLiteral("%1 (or %2)").arg(range, [&] {
                QStringList e;
                for (int x : t.extra) e << QString::number(x);
                return e.join(QStringLiteral(", "));
            }()));
        return QVariant(int(d));
    }
    }
    return refuse(QStringLiteral("has no known type"));
}

} // namespace

VehicleState::VehicleState(QObject *parent) : QObject(parent) {
    clock_.start();
    connect(&staleTimer_, &QTimer::timeout, this, &VehicleState::checkStale);
}

void VehicleState::setMaxAgeMs(int ms) {
    maxAgeMs_ = std::max(ms, 0);
    // Checked four times per age: a signal is seen stale at most a quarter
    // of the age late.
    if (maxAgeMs_ > 0)
        staleTimer_.start(std::max(maxAgeMs_ / 4, 10));
    else
        staleTimer_.stop();
    checkStale();
}

bool VehicleState::fresh(const QString &signal) const {
    if (!values_.contains(signal)) return false;
    return maxAgeMs_ <= 0 || clock_.elapsed() - updatedMs_.value(signal) <= maxAgeMs_;
}

void VehicleState::checkStale() {
    QStringList stale;
    for (auto it = values_.cbegin(); it != values_.cend(); ++it)
        if (!fresh(it.key())) stale << it.key();
    if (stale == stale_) return;
    stale_ = stale;
    emit changed();
}

QStringList VehicleState::knownSignals() {
    QStringList names;
    for (const auto &[name, type] : signalTypes()) names << name;
    return names;
}

bool VehicleState::set(const QString &signal, const QVariant &value, QString *error) {
    const auto type = signalTypes().find(signal);
    if (type == signalTypes().end()) {
        *error = QStringLiteral("unknown signal %1 (known: %2)")
                     .arg(signal.left(128), knownSignals().join(QStringLiteral(", ")));
        return false;
    }
    const std::optional<QVariant> v = checked(signal, type->second, value, error);
    if (!v) return false;
    updatedMs_[signal] = clock_.elapsed();
    const bool wasStale = stale_.removeOne(signal);
    if (values_.value(signal) != *v || wasStale) {
        values_[signal] = *v;
        emit changed();
    }
    return true;
}

QStringList VehicleState::unmet(const Conditions &c) const {
    QStringList out;
    // Unknown or stale: the condition cannot be shown to hold.
    auto known = [&](const QString &signal, const char *what) {
        if (fresh(signal)) return true;
        out << QStringLiteral("%1 not known").arg(QLatin1String(what));
        return false;
    };
    if (c.requireParked) {
        if (known(vss::Speed, "Vehicle speed") && values_.value(vss::Speed).toDouble() != 0.0)
            out << QStringLiteral("Stop the vehicle (speed %1 km/h)").arg(values_.value(vss::Speed).toDouble());
        if (known(vss::SelectedGear, "Selected gear") && values_.value(vss::SelectedGear).toInt() != vss::GearPark)
            out << QStringLiteral("Shift to P");
    }
    if (c.minBatterySoc >= 0 && known(vss::BatterySoc, "Battery charge")) {
        const double soc = values_.value(vss::BatterySoc).toDouble();
        if (soc < c.minBatterySoc)
            out << QStringLiteral("Battery at %1 %, needs %2 %").arg(soc, 0, 'f', 0).arg(c.minBatterySoc);
    }
    return out;
}

} // namespace conduit::core
