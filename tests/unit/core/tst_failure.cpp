// The failure vocabulary (failure.h): every step and kind has a wire name
// that reads back, and a result of another host version stays readable.
#include "core/failure.h"

#include <QTest>

using conduit::core::Failure;

class TestFailure : public QObject {
    Q_OBJECT
private slots:
    // A name used twice, or forgotten, would not read back as its value.
    void everyNameReadsBack() {
        for (int s = int(Failure::Step::Check); s <= int(Failure::Step::Journal); ++s) {
            const QString name = Failure::stepName(Failure::Step(s));
            QVERIFY2(!name.isEmpty(), qPrintable(QString::number(s)));
            QCOMPARE(int(Failure::stepFromName(name)), s);
        }
        for (int k = int(Failure::Kind::DeviceError); k <= int(Failure::Kind::HostError); ++k) {
            const QString name = Failure::kindName(Failure::Kind(k));
            QVERIFY2(!name.isEmpty(), qPrintable(QString::number(k)));
            QCOMPARE(int(Failure::kindFromName(name)), k);
        }
    }

    void jsonRoundTrip() {
        const Failure f{Failure::Step::Activate, Failure::Kind::Timeout, QStringLiteral("ecu-2"),
                        QStringLiteral("device ecu-2: activate failed: no answer")};
        QJsonObject o;
        f.writeTo(o);
        QCOMPARE(o.value(QLatin1String("failed_step")).toString(), QStringLiteral("activate"));
        QCOMPARE(o.value(QLatin1String("failure_kind")).toString(), QStringLiteral("timeout"));
        const Failure back = Failure::fromJson(o);
        QCOMPARE(back.step, f.step);
        QCOMPARE(back.kind, f.kind);
        QCOMPARE(back.device, f.device);
        QCOMPARE(back.reason, f.reason);
    }

    // Journals and histories written before the fields existed, or by a
    // newer host with a value this one does not know.
    void missingOrUnknownNamesReadAsNone() {
        const Failure old = Failure::fromJson({{"reason", "device gw: install failed: boom"}});
        QCOMPARE(old.kind, Failure::Kind::None);
        QCOMPARE(old.step, Failure::Step::None);
        QCOMPARE(old.reason, QStringLiteral("device gw: install failed: boom"));
        QVERIFY(!old.isEmpty());
        QCOMPARE(Failure::kindFromName(QStringLiteral("gremlins")), Failure::Kind::None);
        QVERIFY(Failure{}.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestFailure)
#include "tst_failure.moc"
