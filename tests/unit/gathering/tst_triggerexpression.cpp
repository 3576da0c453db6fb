// Trigger conditions: parsing (bounds, errors with offsets), evaluation
// with unknown signals, and the engine's rising edge, minimum interval,
// periods and expiry on a test clock.
#include "campaignfixture.h"

#include "gathering/campaign/triggerengine.h"

#include <QTest>

using namespace campaigntest;

Q_DECLARE_METATYPE(Truth)

namespace {

Campaign conditionCampaign(const QString &condition, qint64 minIntervalMs) {
    JsonValue d = baseDocument();
    d.objectRef()["trigger"] = JsonValue(
        JsonValue::Object{{"condition", JsonValue(condition)}, {"min_interval_ms", JsonValue(minIntervalMs)}});
    auto c = parseCampaign(d);
    return c.ok() ? *c : Campaign{};
}

Campaign periodicCampaign(qint64 periodMs) {
    JsonValue d = baseDocument();
    d.objectRef()["trigger"] = JsonValue(JsonValue::Object{{"period_ms", JsonValue(periodMs)}});
    d.remove("window");
    auto c = parseCampaign(d);
    return c.ok() ? *c : Campaign{};
}

} // namespace

class TestTriggerExpression : public QObject {
    Q_OBJECT
private slots:
    void evaluates_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<double>("speed"); // NaN: no value yet
        QTest::addColumn<double>("gear");
        QTest::addColumn<Truth>("expected");
        const double none = std::nan("");
        QTest::newRow("greater") << "Vehicle.Speed > 50" << 51.0 << 0.0 << Truth::True;
        QTest::newRow("not greater") << "Vehicle.Speed > 50" << 50.0 << 0.0 << Truth::False;
        QTest::newRow("at least") << "Vehicle.Speed >= 50" << 50.0 << 0.0 << Truth::True;
        QTest::newRow("less, decimal") << "Vehicle.Speed < 0.5" << 0.25 << 0.0 << Truth::True;
        QTest::newRow("negative literal") << "Vehicle.Speed <= -1" << -1.0 << 0.0 << Truth::True;
        QTest::newRow("gear literal") << "Vehicle.Powertrain.Transmission.SelectedGear == PARK" << 0.0 << 126.0
                                      << Truth::True;
        QTest::newRow("gear not drive") << "Vehicle.Powertrain.Transmission.SelectedGear != DRIVE" << 0.0 << 127.0
                                        << Truth::False;
        QTest::newRow("and") << "Vehicle.Speed > 10 && Vehicle.Powertrain.Transmission.SelectedGear == REVERSE" << 20.0
                             << -1.0 << Truth::True;
        QTest::newRow("or") << "Vehicle.Speed > 100 || Vehicle.Powertrain.Transmission.SelectedGear == NEUTRAL" << 20.0
                            << 0.0 << Truth::True;
        QTest::newRow("not, parentheses") << "!(Vehicle.Speed > 10 || false)" << 5.0 << 0.0 << Truth::True;
        QTest::newRow("precedence: && before ||") << "true || Vehicle.Speed > 10 && false" << 0.0 << 0.0 << Truth::True;
        QTest::newRow("bare signal non-zero") << "Vehicle.Speed" << 3.0 << 0.0 << Truth::True;
        QTest::newRow("bare signal zero") << "!Vehicle.Speed" << 0.0 << 0.0 << Truth::True;
        QTest::newRow("unknown") << "Vehicle.Speed > 50" << none << 0.0 << Truth::Unknown;
        QTest::newRow("unknown negated stays unknown") << "!(Vehicle.Speed > 50)" << none << 0.0 << Truth::Unknown;
        QTest::newRow("false && unknown") << "Vehicle.Powertrain.Transmission.SelectedGear == PARK && Vehicle.Speed > 1"
                                          << none << 127.0 << Truth::False;
        QTest::newRow("true || unknown") << "Vehicle.Powertrain.Transmission.SelectedGear == DRIVE || Vehicle.Speed > 1"
                                         << none << 127.0 << Truth::True;
    }
    void evaluates() {
        QFETCH(QString, text);
        QFETCH(double, speed);
        QFETCH(double, gear);
        QFETCH(Truth, expected);
        auto e = Expression::parse(text);
        QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().message));
        std::vector<std::optional<double>> values;
        for (const QString &s : e->signalNames()) {
            if (s == QLatin1String("Vehicle.Speed"))
                values.push_back(std::isnan(speed) ? std::nullopt : std::optional<double>(speed));
            else
                values.push_back(gear);
        }
        QCOMPARE(e->evaluate(values), expected);
    }

    void refuses_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << ""
                               << "at offset 0: expected an operand, found the end";
        QTest::newRow("dangling operator") << "a > 1 &&"
                                           << "at offset 8: expected an operand, found the end";
        QTest::newRow("two comparisons") << "a > 1 > 2"
                                         << "at offset 6: unexpected \">\"";
        QTest::newRow("unclosed") << "(a > 1"
                                  << "at offset 6: expected \")\"";
        QTest::newRow("minus without number") << "a > -b"
                                              << "at offset 5: expected a number after \"-\"";
        QTest::newRow("stray character") << "a # 1"
                                         << "at offset 2: unexpected \"#\"";
        QTest::newRow("single ampersand") << "a & b"
                                          << "at offset 2: unexpected \"&\"";
        QTest::newRow("too deep") << QString(17, u'!') + QStringLiteral("a") << "at offset 16: nested deeper than 16";
        QTest::newRow("too long") << QString(1025, u'a') << "1025 characters, the limit is 1024";
        QString many = QStringLiteral("a");
        for (int i = 0; i < 70; ++i) many += QStringLiteral(" || a");
        QTest::newRow("too many nodes") << many << "more than 128 nodes";
        QString signals_ = QStringLiteral("s0");
        for (int i = 1; i < 40; ++i) signals_ += QStringLiteral(" || s%1").arg(i);
        QTest::newRow("too many signals") << signals_ << "more than 32 distinct signals";
    }
    void refuses() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        auto e = Expression::parse(text);
        QVERIFY(!e.ok());
        QCOMPARE(e.error().kind, CampaignErrorKind::Malformed);
        QVERIFY2(e.error().message.contains(message), qPrintable(e.error().message));
    }

    void risingEdgeAndMinimumInterval() {
        TriggerEngine engine;
        const Campaign c = conditionCampaign(QStringLiteral("Vehicle.Speed > 50"), 1000);
        QVERIFY(!c.id.isEmpty());
        engine.add(c, -1, kNowMs);
        const QString speed = QStringLiteral("Vehicle.Speed");
        qint64 t = kNowMs;
        QVERIFY(engine.onSignal(speed, 10, t).empty());
        auto fired = engine.onSignal(speed, 60, t += 100); // false -> true
        QCOMPARE(fired.size(), size_t(1));
        QCOMPARE(fired[0].timeMs, t);
        QCOMPARE(fired[0].campaignId, c.id);
        const qint64 first = t;
        QVERIFY(engine.onSignal(speed, 70, t += 100).empty()); // still true: no edge
        QVERIFY(engine.onSignal(speed, 10, t += 100).empty());
        QVERIFY(engine.onSignal(speed, 60, t += 100).empty());     // an edge inside the interval: dropped
        QVERIFY(engine.onSignal(speed, 70, first + 1500).empty()); // interval over, but no new edge
        QVERIFY(engine.onSignal(speed, 10, first + 1600).empty());
        QCOMPARE(engine.onSignal(speed, 60, first + 1700).size(), size_t(1)); // a new edge after the interval
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Other"), 1, first + 1800).empty());
    }

    void minimumIntervalKeptFromTheBook() {
        TriggerEngine engine;
        engine.add(conditionCampaign(QStringLiteral("Vehicle.Speed > 50"), 60000), kNowMs - 1000, kNowMs);
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 60, kNowMs).empty());
    }

    void noTriggerOutsideStartAndExpiry() {
        TriggerEngine engine;
        const Campaign c = conditionCampaign(QStringLiteral("Vehicle.Speed > 50"), 0);
        engine.add(c, -1, kStartMs - 5000);
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 60, kStartMs - 10).empty()); // before start
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 0, kStartMs).empty());
        QCOMPARE(engine.onSignal(QStringLiteral("Vehicle.Speed"), 60, kStartMs + 10).size(), size_t(1));
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 0, c.expiresMs - 1).empty());
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 60, c.expiresMs).empty()); // expired
        const auto due = engine.tick(c.expiresMs);
        QCOMPARE(due.expired, QStringList{c.id});
        QVERIFY(!engine.contains(c.id));
    }

    void periodsOnATestClock() {
        TriggerEngine engine;
        const Campaign c = periodicCampaign(1000);
        QCOMPARE(c.trigger, TriggerKind::Periodic);
        engine.add(c, -1, kNowMs);
        QCOMPARE(engine.nextDeadlineMs(), kNowMs + 1000);
        QVERIFY(engine.tick(kNowMs + 999).firings.empty());
        auto due = engine.tick(kNowMs + 1000);
        QCOMPARE(due.firings.size(), size_t(1));
        QCOMPARE(due.firings[0].fromMs, kNowMs);
        QCOMPARE(due.firings[0].timeMs, kNowMs + 1000);
        QVERIFY(engine.tick(kNowMs + 1000).firings.empty());
        // Ticked 3.5 periods late: one firing for each of the next two
        // periods, then one for the rest.
        due = engine.tick(kNowMs + 4500);
        QCOMPARE(due.firings.size(), size_t(3));
        QCOMPARE(due.firings[0].fromMs, kNowMs + 1000);
        QCOMPARE(due.firings[0].timeMs, kNowMs + 2000);
        QCOMPARE(due.firings[1].fromMs, kNowMs + 2000);
        QCOMPARE(due.firings[1].timeMs, kNowMs + 3000);
        QCOMPARE(due.firings[2].fromMs, kNowMs + 3000);
        QCOMPARE(due.firings[2].timeMs, kNowMs + 4500);
        QCOMPARE(engine.nextDeadlineMs(), kNowMs + 5500);
        // A condition signal does not concern a periodic campaign.
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 60, kNowMs + 4600).empty());
    }

    void replacingACampaignReindexes() {
        TriggerEngine engine;
        engine.add(conditionCampaign(QStringLiteral("Vehicle.Speed > 50"), 0), -1, kNowMs);
        engine.add(conditionCampaign(QStringLiteral("Vehicle.Chassis.Brake.PedalPosition > 50"), 0), -1, kNowMs);
        QVERIFY(engine.onSignal(QStringLiteral("Vehicle.Speed"), 60, kNowMs).empty());
        QCOMPARE(engine.onSignal(QStringLiteral("Vehicle.Chassis.Brake.PedalPosition"), 60, kNowMs).size(), size_t(1));
        engine.remove(QStringLiteral("hard-braking"));
        QCOMPARE(engine.nextDeadlineMs(), std::numeric_limits<qint64>::max());
    }
};

QTEST_GUILESS_MAIN(TestTriggerExpression)
#include "tst_triggerexpression.moc"
