// The vehicle state's signals: a value is taken only when it is of the
// signal's VSS type and range; anything else is refused with a reason and
// changes nothing (issue: NaN, -20 km/h and gear 999 were accepted). A
// signal nobody reported, or that stopped arriving, makes a condition that
// needs it unmet; only the simulation provider takes values from the
// control API (issue: the parked interlock could be faked by the HMI).
#include "core/vehicleprovider.h"
#include "core/vehiclestate.h"

#include <QSignalSpy>
#include <QTest>

using namespace conduit::core;

class TestVehicleState : public QObject {
    Q_OBJECT
private slots:
    void refused_data() {
        QTest::addColumn<QString>("signal");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("why");
        QTest::newRow("NaN speed") << vss::Speed << "nan"
                                   << "needs a finite number";
        QTest::newRow("infinite speed") << vss::Speed << "inf"
                                        << "needs a finite number";
        QTest::newRow("negative speed") << vss::Speed << "-20"
                                        << "within 0..400 km/h";
        QTest::newRow("text speed") << vss::Speed << "fast"
                                    << "needs a finite number";
        QTest::newRow("gear 999") << vss::SelectedGear << "999"
                                  << "within -10..15 (or 126, 127)";
        QTest::newRow("gear 2.5") << vss::SelectedGear << "2.5"
                                  << "whole number";
        QTest::newRow("charge 101") << vss::BatterySoc << "101"
                                    << "within 0..100 %";
        QTest::newRow("ignition lowercase") << vss::IgnitionOn << "on"
                                            << "is one of UNDEFINED, LOCK";
        QTest::newRow("metered yes") << vss::LinkMetered << "yes"
                                     << "is true or false";
        QTest::newRow("latitude 91") << vss::Latitude << "91"
                                     << "within -90..90";
        QTest::newRow("unknown") << QStringLiteral("Vehicle.Cabin.Door") << "1"
                                 << "unknown signal";
    }
    void refused() {
        QFETCH(QString, signal);
        QFETCH(QString, value);
        QFETCH(QString, why);
        VehicleState state;
        const QVariantMap before = state.values();
        QSignalSpy changed(&state, &VehicleState::changed);
        QString error;
        QVERIFY(!state.set(signal, value, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
        QCOMPARE(state.values(), before);
        QCOMPARE(changed.count(), 0);
    }

    void accepted_data() {
        QTest::addColumn<QString>("signal");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QVariant>("stored");
        QTest::newRow("speed") << vss::Speed << "42.5" << QVariant(42.5);
        QTest::newRow("drive") << vss::SelectedGear << "127" << QVariant(127);
        QTest::newRow("neutral") << vss::SelectedGear << "0" << QVariant(0);
        QTest::newRow("reverse") << vss::SelectedGear << "-1" << QVariant(-1);
        QTest::newRow("braking") << vss::LongitudinalAcceleration << "-7.5" << QVariant(-7.5);
        QTest::newRow("metered") << vss::LinkMetered << "true" << QVariant(true);
        QTest::newRow("ignition") << vss::IgnitionOn << "ACC" << QVariant(QStringLiteral("ACC"));
    }
    void accepted() {
        QFETCH(QString, signal);
        QFETCH(QString, value);
        QFETCH(QVariant, stored);
        VehicleState state;
        QSignalSpy changed(&state, &VehicleState::changed);
        QString error;
        QVERIFY2(state.set(signal, value, &error), qPrintable(error));
        QCOMPARE(state.value(signal), stored);
        QCOMPARE(changed.count(), 1);
        // The same value again is no change.
        QVERIFY(state.set(signal, value, &error));
        QCOMPARE(changed.count(), 1);
    }

    void unknownSignalsAreUnmet() {
        VehicleState state; // no provider reported anything
        Conditions parked;
        parked.requireParked = true;
        parked.minBatterySoc = 30;
        QCOMPARE(state.unmet(parked),
                 QStringList({"Vehicle speed not known", "Selected gear not known", "Battery charge not known"}));
        QString error;
        QVERIFY(state.set(vss::Speed, 0, &error));
        QVERIFY(state.set(vss::SelectedGear, vss::GearPark, &error));
        QVERIFY(state.set(vss::BatterySoc, 50, &error));
        QCOMPARE(state.unmet(parked), QStringList());
    }

    // No update within max_age_ms: unknown again, and changed() says so
    // (so the engine re-checks); a new update makes it fresh.
    void staleSignalsAreUnmet() {
        VehicleState state;
        QString error;
        QVERIFY(state.set(vss::Speed, 0, &error));
        QVERIFY(state.set(vss::SelectedGear, vss::GearPark, &error));
        Conditions parked;
        parked.requireParked = true;
        QSignalSpy changed(&state, &VehicleState::changed);
        state.setMaxAgeMs(200);
        QCOMPARE(state.unmet(parked), QStringList());
        QVERIFY(changed.wait(2000)); // stale
        QVERIFY(!state.fresh(vss::Speed));
        QCOMPARE(state.unmet(parked), QStringList({"Vehicle speed not known", "Selected gear not known"}));
        QVERIFY(state.set(vss::Speed, 0, &error)); // the same value, a fresh update
        QVERIFY(state.fresh(vss::Speed));
        QCOMPARE(state.unmet(parked), QStringList({"Selected gear not known"}));
    }

    void simulationIsTheOnlyProviderThatTakesControlApiValues() {
        VehicleState state;
        QString error;
        bool notSupported = false;
        auto none = makeVehicleProvider(VehicleSource::None, &state);
        QVERIFY(!none->simulate(vss::Speed, QStringLiteral("0"), &error, &notSupported));
        QVERIFY(notSupported);
        QVERIFY2(error.contains(QLatin1String("source = simulation")), qPrintable(error));
        QVERIFY(state.values().isEmpty());
        auto sim = makeVehicleProvider(VehicleSource::Simulation, &state);
        QCOMPARE(state.value(vss::SelectedGear), QVariant(vss::GearPark)); // a parked car at start
        QVERIFY(sim->simulate(vss::Speed, QStringLiteral("30"), &error, &notSupported));
        QCOMPARE(state.value(vss::Speed), QVariant(30.0));
        QVERIFY(!sim->simulate(vss::Speed, QStringLiteral("-20"), &error, &notSupported));
        QVERIFY(!notSupported); // a bad value, not a refused source
        QCOMPARE(vehicleSourceFromName(u"simulation"), std::optional(VehicleSource::Simulation));
        QCOMPARE(vehicleSourceFromName(u"kuksa"), std::optional(VehicleSource::Kuksa));
        QCOMPARE(vehicleSourceFromName(u"can"), std::nullopt);
    }

    void everyKnownSignalHasAType() {
        VehicleState state;
        for (const QString &s : VehicleState::knownSignals()) {
            QString error;
            state.set(s, QStringLiteral("not-a-value-of-any-type"), &error);
            QVERIFY2(!error.contains(QLatin1String("unknown signal")), qPrintable(s));
        }
        QVERIFY(VehicleState::knownSignals().contains(vss::LongitudinalAcceleration));
    }
};

QTEST_GUILESS_MAIN(TestVehicleState)
#include "tst_vehiclestate.moc"
