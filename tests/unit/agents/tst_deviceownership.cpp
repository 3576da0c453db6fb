// Devices belong to agents by the host's declaration; an undeclared agent
// claims what it reports first, and never a device another agent holds.
#include "agents/deviceownership.h"

#include <QTest>

using namespace conduit::agents;

namespace {
DeviceReport report(const QString &agent, const QString &device) {
    DeviceReport r;
    r.agentId = agent;
    r.info.id = device;
    return r;
}
QStringList ids(const QList<DeviceReport> &reports) {
    QStringList out;
    for (const DeviceReport &r : reports) out << r.agentId + QLatin1Char(':') + r.info.id;
    return out;
}
const QString A = QStringLiteral("vendor.a"), B = QStringLiteral("vendor.b"), C = QStringLiteral("vendor.c");
} // namespace

class TestDeviceOwnership : public QObject {
    Q_OBJECT
private slots:
    void declaredDevicesGoOnlyToTheirAgent() {
        DeviceOwnership o({{A, {QStringLiteral("ecu-*"), QStringLiteral("gw")}}, {B, {QStringLiteral("cam-?")}}});
        QVERIFY(o.problems().isEmpty());
        const auto r = o.admit({report(A, QStringLiteral("ecu-1")), report(B, QStringLiteral("ecu-1")),
                                report(A, QStringLiteral("gw")), report(B, QStringLiteral("cam-1")),
                                report(B, QStringLiteral("cam-10")), report(C, QStringLiteral("gw"))});
        QCOMPARE(ids(r.accepted), QStringList({"vendor.a:ecu-1", "vendor.a:gw", "vendor.b:cam-1"}));
        QCOMPARE(r.refused.size(), 3);
        QCOMPARE(r.refused[0].agentId, B);
        QCOMPARE(r.refused[0].deviceId, QStringLiteral("ecu-1"));
        QVERIFY2(r.refused[0].reason.contains(QLatin1String("belongs to agent vendor.a")),
                 qPrintable(r.refused[0].reason));
        QVERIFY2(r.refused[1].reason.contains(QLatin1String("not among the devices declared for agent vendor.b")),
                 qPrintable(r.refused[1].reason));
        QCOMPARE(r.refused[2].agentId, C);
        QVERIFY(o.refusal(A, QStringLiteral("ecu-7")).isEmpty());
        QVERIFY(!o.refusal(B, QStringLiteral("ecu-7")).isEmpty());
        QVERIFY(!o.refusal(C, QStringLiteral("ecu-7")).isEmpty());
    }
    void anIdDeclaredForTwoAgentsGoesToNeither() {
        DeviceOwnership o({{A, {QStringLiteral("ecu-*")}}, {B, {QStringLiteral("ecu-1")}}});
        const auto r = o.admit({report(A, QStringLiteral("ecu-1")), report(B, QStringLiteral("ecu-1"))});
        QVERIFY(r.accepted.isEmpty());
        QCOMPARE(r.refused.size(), 2);
        QVERIFY(r.refused[0].reason.contains(QLatin1String("declared for agents vendor.a, vendor.b")));
        QVERIFY(!o.refusal(A, QStringLiteral("ecu-1")).isEmpty());
    }
    void undeclaredAgentsClaimFirstAndKeep() {
        DeviceOwnership o;
        auto r = o.admit({report(A, QStringLiteral("x"))});
        QCOMPARE(ids(r.accepted), QStringList({"vendor.a:x"}));
        // A later claim by another agent is refused, in the inventory and
        // for calls; the first claimant keeps the device.
        r = o.admit({report(B, QStringLiteral("x")), report(A, QStringLiteral("x"))});
        QCOMPARE(ids(r.accepted), QStringList({"vendor.a:x"}));
        QCOMPARE(r.refused.size(), 1);
        QVERIFY(r.refused[0].reason.contains(QLatin1String("claimed first by agent vendor.a")));
        QVERIFY(!o.refusal(B, QStringLiteral("x")).isEmpty());
        QVERIFY(o.refusal(A, QStringLiteral("x")).isEmpty());
        // Also while the first claimant is down.
        r = o.admit({report(B, QStringLiteral("x"))});
        QVERIFY(r.accepted.isEmpty());
    }
    void anUnclaimedIdTwoAgentsReportAtOnceGoesToNeither() {
        DeviceOwnership o;
        const auto r =
            o.admit({report(A, QStringLiteral("x")), report(B, QStringLiteral("x")), report(B, QStringLiteral("y"))});
        QCOMPARE(ids(r.accepted), QStringList({"vendor.b:y"}));
        QCOMPARE(r.refused.size(), 2);
        QVERIFY(r.refused[1].reason.contains(QLatin1String("reported by agents vendor.a, vendor.b")));
        // Neither has claimed it: the next round decides again.
        QVERIFY(!o.admit({report(A, QStringLiteral("x")), report(B, QStringLiteral("x"))}).refused.isEmpty());
    }
    void anIdReportedTwiceByOneAgentIsKeptOnce() {
        DeviceOwnership o;
        const auto r = o.admit({report(A, QStringLiteral("x")), report(A, QStringLiteral("x"))});
        QCOMPARE(ids(r.accepted), QStringList({"vendor.a:x"}));
        QCOMPARE(r.refused.size(), 1);
        QVERIFY(r.refused[0].reason.contains(QLatin1String("reported twice")));
    }
    void anUndeclaredAgentNeverTakesADeclaredDevice() {
        DeviceOwnership o({{A, {QStringLiteral("ecu-1")}}});
        const auto r = o.admit({report(B, QStringLiteral("ecu-1")), report(B, QStringLiteral("own"))});
        QCOMPARE(ids(r.accepted), QStringList({"vendor.b:own"}));
        QVERIFY(r.refused[0].reason.contains(QLatin1String("belongs to agent vendor.a")));
    }
    void anInvalidPatternMatchesNothing() {
        DeviceOwnership o({{A, {QStringLiteral("ecu-[")}}});
        QCOMPARE(o.problems().size(), 1);
        QVERIFY2(o.problems()[0].contains(QLatin1String("ecu-[")), qPrintable(o.problems()[0]));
        QVERIFY(!o.refusal(A, QStringLiteral("ecu-[")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDeviceOwnership)
#include "tst_deviceownership.moc"
