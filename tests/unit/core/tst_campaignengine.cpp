// The campaign engine's state machine and policy decisions, against a fake
// gateway (real agents are exercised by the power-cut harness).
#include "enginefixture.h"

#include <QFile>
#include <QTest>

class TestCampaignEngine : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qRegisterMetaType<CampaignEngine::Result>(); }

    void successInstallsInPhasesThenActivatesThenCommits() {
        Fixture f;
        const auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("success"));
        QCOMPARE(f.versions(), QStringList({"2.0", "2.0", "2.0"}));
        const QStringList &c = f.gateway.calls;
        // Everything is staged before anything is installed; the gateway
        // (phase 0) is installed before the ECUs; nothing is activated
        // before every device is installed; commit comes last.
        auto last = [&](const QString &prefix) {
            int i = -1;
            for (int k = 0; k < c.size(); ++k)
                if (c[k].startsWith(prefix)) i = k;
            return i;
        };
        auto first = [&](const QString &prefix) {
            for (int k = 0; k < c.size(); ++k)
                if (c[k].startsWith(prefix)) return k;
            return -1;
        };
        QVERIFY(last(QStringLiteral("transfer:")) < first(QStringLiteral("prepare_install:")));
        QVERIFY(c.indexOf(QStringLiteral("post_install:gw")) < c.indexOf(QStringLiteral("prepare_install:ecu-a")));
        QVERIFY(last(QStringLiteral("post_install:")) < first(QStringLiteral("activate:")));
        QVERIFY(last(QStringLiteral("activate:")) < first(QStringLiteral("commit:")));
        QCOMPARE(outcomeName(f.engine->history().value(0).outcome), QStringLiteral("success"));
        QVERIFY(f.journal.records().isEmpty()); // compacted after finishing
        QVERIFY(f.journal.fsyncs() >= 4);
    }

    void failureAtEveryStepRollsBackEveryDevice_data() {
        QTest::addColumn<QString>("device");
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("step"); // the driver's step: the three install calls are one
        const std::pair<const char *, const char *> ops[] = {{"transfer", "transfer"},
                                                             {"prepare_install", "install"},
                                                             {"install", "install"},
                                                             {"post_install", "install"},
                                                             {"activate", "activate"}};
        for (const char *d : {"gw", "ecu-a", "ecu-b"})
            for (const auto &[op, step] : ops)
                QTest::addRow("%s %s", d, op)
                    << QString::fromLatin1(d) << QString::fromLatin1(op) << QString::fromLatin1(step);
    }
    void failureAtEveryStepRollsBackEveryDevice() {
        QFETCH(QString, device);
        QFETCH(QString, op);
        QFETCH(QString, step);
        Fixture f;
        f.gateway.failAt << device + QLatin1Char(':') + op;
        const auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("rolled-back"));
        QVERIFY2(r.failure.reason.startsWith(QStringLiteral("device %1: %2 failed").arg(device, op)),
                 qPrintable(r.failure.reason));
        QCOMPARE(failureOf(r), QStringLiteral("%1/%2/device-error").arg(device, step));
        QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
        for (const FakeDevice &d : f.gateway.devices) QCOMPARE(d.state, conduit::agents::UpdateState::Idle);
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), device), 0);
    }

    void failedRollbackIsReportedAndDeviceFlagged() {
        Fixture f;
        f.gateway.failAt << QStringLiteral("ecu-b:activate") << QStringLiteral("ecu-a:rollback");
        const auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("failed"));
        QCOMPARE(r.flaggedDevices, QStringList{QStringLiteral("ecu-a")});
        QVERIFY2(r.failure.reason.contains(QLatin1String("rollback failed on ecu-a: device needs service")),
                 qPrintable(r.failure.reason));
        QCOMPARE(failureOf(r), QStringLiteral("ecu-b/activate/device-error")); // the cause, not the rollback
        // Nothing lied about: ecu-a really is still on 2.0.
        QCOMPARE(f.gateway.devices[QStringLiteral("ecu-a")].current, QStringLiteral("2.0"));
        QCOMPARE(f.gateway.devices[QStringLiteral("gw")].current, QStringLiteral("1.0"));
    }

    void commitFailureIsReportedNotRolledBack() {
        Fixture f(true, [](CampaignEngine::Config &c) { c.commitRetryMs = {}; }); // retries: tst_campaigncommit
        f.gateway.failAt << QStringLiteral("gw:commit");
        const auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("failed"));
        QCOMPARE(r.flaggedDevices, QStringList{QStringLiteral("gw")});
        QCOMPARE(failureOf(r), QStringLiteral("gw/commit/device-error"));
        QCOMPARE(f.gateway.count(QStringLiteral("rollback"), QStringLiteral("gw")), 0);
        QCOMPARE(f.engine->state(), State::CommitPending);
    }

    // An agent that fails without a message: the reason names the result
    // code, not "code -7".
    void failureWithoutMessageNamesTheCode() {
        Fixture f;
        f.gateway.silentFailAt << QStringLiteral("ecu-a:install");
        const auto r = f.run(f.campaign());
        QVERIFY2(r.failure.reason.contains(
                     QLatin1String("device ecu-a: install failed: CONDUIT_E_IO (read/write failure on the device)")),
                 qPrintable(r.failure.reason));
    }

    // A device that does not answer in time, and a payload that cannot be
    // opened, are told apart from a device that reports an error.
    void timeoutAndMissingPayloadAreTheirOwnKinds() {
        Fixture f;
        f.gateway.timeoutAt << QStringLiteral("ecu-a:install");
        auto r = f.run(f.campaign());
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("rolled-back"));
        QCOMPARE(failureOf(r), QStringLiteral("ecu-a/install/timeout"));
        Fixture g;
        const Campaign c = g.campaign();
        g.payloads.files.remove(QStringLiteral("ecu-b.img"));
        r = g.run(c);
        QCOMPARE(failureOf(r), QStringLiteral("ecu-b/transfer/payload-unavailable"));
    }

    void refusedBeforeTouchingAnything_data() {
        QTest::addColumn<int>("problem");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("device");
        QTest::newRow("unknown device") << 0 << "device ghost is not in this vehicle"
                                        << "ghost";
        QTest::newRow("hardware id") << 1 << "hardware id hw does not match target's other-hw"
                                     << "ecu-a";
        QTest::newRow("no rollback") << 2 << "cannot roll back and the package does not allow that"
                                     << "ecu-a";
        QTest::newRow("dependency order") << 3 << "depends on ecu-b, which is not installed in an earlier phase"
                                          << "ecu-a";
        QTest::newRow("same device twice") << 4 << "appears twice"
                                           << "ecu-a";
    }
    void refusedBeforeTouchingAnything() {
        QFETCH(int, problem);
        QFETCH(QString, reason);
        QFETCH(QString, device);
        Fixture f;
        Campaign c = f.campaign();
        switch (problem) {
        case 0: c.targets[1].deviceId = QStringLiteral("ghost"); break;
        case 1: c.targets[1].hardwareId = QStringLiteral("other-hw"); break;
        case 2: f.gateway.devices[QStringLiteral("ecu-a")].caps = 0; break;
        case 3: c.targets[1].dependencies << QStringLiteral("ecu-b"); break;
        case 4: c.targets[2].deviceId = QStringLiteral("ecu-a"); break;
        }
        const auto r = f.run(c);
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("failed"));
        QVERIFY2(r.failure.reason.contains(reason), qPrintable(r.failure.reason));
        QCOMPARE(failureOf(r), device + QStringLiteral("/check/not-installable"));
        QVERIFY(f.gateway.calls.isEmpty());
    }

    void deviceWithoutRollbackAllowedBySignedFlagGoesLast() {
        Fixture f;
        f.gateway.devices[QStringLiteral("gw")].caps = 0;
        Campaign c = f.campaign();
        c.targets[0].allowNoRollback = true;
        const auto r = f.run(c);
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("success"));
        QVERIFY(f.gateway.calls.indexOf(QStringLiteral("activate:gw")) >
                f.gateway.calls.indexOf(QStringLiteral("activate:ecu-b")));
    }

    void estimatesFollowThePlannedOrder() {
        // The gateway cannot roll back, so the plan moves it after the ECUs
        // it was signed to install beside: its time adds to theirs.
        Fixture f(false);
        f.gateway.devices[QStringLiteral("gw")].caps = 0;
        Campaign c = f.campaign();
        const qint64 seconds[] = {100, 200, 50};
        for (int i = 0; i < 3; ++i) {
            c.targets[i].phase = 1;
            c.targets[i].installSeconds = seconds[i];
        }
        c.targets[0].allowNoRollback = true;
        QCOMPARE(c.installSeconds(), qint64(200));
        QSignalSpy asked(f.engine.get(), &CampaignEngine::consentRequested);
        f.engine->submit(c);
        QVERIFY(asked.wait());
        QCOMPARE(f.engine->current().targets[0].phase, 2);
        QCOMPARE(f.engine->current().installSeconds(), qint64(200 + 100));
    }

    void consentAcceptedByDriver() {
        Fixture f(false);
        QSignalSpy asked(f.engine.get(), &CampaignEngine::consentRequested);
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->submit(f.campaign());
        QVERIFY(asked.wait());
        QCOMPARE(f.engine->state(), State::AwaitingDownloadConsent);
        QVERIFY(f.gateway.calls.isEmpty());
        QString error;
        QVERIFY(
            !f.engine->answerConsent(CampaignEngine::ConsentKind::Install, CampaignEngine::Answer::Accept, {}, &error));
        QVERIFY(error.contains(QLatin1String("no install consent")));
        QVERIFY(
            f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Accept, {}, &error));
        QVERIFY(asked.wait());
        QCOMPARE(f.engine->state(), State::AwaitingInstallConsent);
        QCOMPARE(f.gateway.count(QStringLiteral("transfer"), QStringLiteral("gw")), 1);
        QCOMPARE(f.gateway.count(QStringLiteral("install"), QStringLiteral("gw")), 0);
        QVERIFY(
            f.engine->answerConsent(CampaignEngine::ConsentKind::Install, CampaignEngine::Answer::Accept, {}, &error));
        QVERIFY(done.wait());
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
    }

    void downloadDeclinedTouchesNothing() {
        Fixture f(false);
        QSignalSpy asked(f.engine.get(), &CampaignEngine::consentRequested);
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->submit(f.campaign());
        QVERIFY(asked.wait());
        QString error;
        QVERIFY(f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Decline, {},
                                        &error));
        QCOMPARE(done.size(), 1);
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("declined"));
        QCOMPARE(failureOf(done.first().first().value<CampaignEngine::Result>()), QStringLiteral("/consent/declined"));
        QVERIFY(f.gateway.calls.isEmpty());
    }

    void installDeclinedDropsStagedImages() {
        Fixture f(false);
        QSignalSpy asked(f.engine.get(), &CampaignEngine::consentRequested);
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->submit(f.campaign());
        QVERIFY(asked.wait());
        QString error;
        f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Accept, {}, &error);
        QVERIFY(asked.wait());
        f.engine->answerConsent(CampaignEngine::ConsentKind::Install, CampaignEngine::Answer::Decline, {}, &error);
        QVERIFY(done.wait());
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("declined"));
        QCOMPARE(failureOf(done.first().first().value<CampaignEngine::Result>()), QStringLiteral("/consent/declined"));
        for (const FakeDevice &d : f.gateway.devices) {
            QCOMPARE(d.state, conduit::agents::UpdateState::Idle);
            QVERIFY(d.staged.isEmpty());
        }
    }

    void postponeAsksAgainAtTheGivenTime() {
        Fixture f(false);
        QSignalSpy asked(f.engine.get(), &CampaignEngine::consentRequested);
        f.engine->submit(f.campaign());
        QVERIFY(asked.wait());
        QString error;
        QVERIFY(!f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Postpone,
                                         QDateTime::currentDateTimeUtc().addSecs(-5), &error));
        QVERIFY(f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Postpone,
                                        QDateTime::currentDateTimeUtc().addMSecs(100), &error));
        QCOMPARE(f.engine->state(), State::Postponed);
        QVERIFY(asked.wait());
        QCOMPARE(asked.size(), 2);
        QCOMPARE(f.engine->state(), State::AwaitingDownloadConsent);
    }

    void conditionBreakingDuringInstall_data() {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("outcome");
        QTest::newRow("rollback") << "rollback"
                                  << "rolled-back";
        QTest::newRow("continue") << "continue"
                                  << "success";
    }
    void conditionBreakingDuringInstall() {
        QFETCH(QString, rule);
        QFETCH(QString, outcome);
        Fixture f;
        Campaign c = f.campaign();
        c.onConditionBreak = conditionBreakFromName(rule).value();
        for (CampaignTarget &t : c.targets) t.conditions.requireParked = true;
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        QString error;
        // The driver shifts to D once the first phase (the gateway) is installed.
        bool shifted = false;
        connect(f.engine.get(), &CampaignEngine::progressChanged, this, [&] {
            if (!shifted && f.gateway.count(QStringLiteral("post_install"), QStringLiteral("gw")) == 1) {
                shifted = true;
                f.vehicle.set(vss::SelectedGear, 127, &error);
            }
        });
        f.engine->submit(c);
        QVERIFY(done.wait(5000));
        const auto r = done.first().first().value<CampaignEngine::Result>();
        QVERIFY(shifted); // the condition really broke mid-installation
        QCOMPARE(outcomeName(r.outcome), outcome);
        if (rule == QLatin1String("rollback")) {
            QVERIFY2(r.failure.reason.contains(
                         QLatin1String("vehicle condition broken during the installation: Shift to P")),
                     qPrintable(r.failure.reason));
            QCOMPARE(failureOf(r), QStringLiteral("/install/conditions-not-met"));
        } else {
            QCOMPARE(failureOf(r), QStringLiteral("//")); // success: nothing to explain
        }
    }

    // Watched while a phase installs, not only between phases: the moment
    // the driver shifts to D the engine tells (once per break), journals it
    // and acts by the signed rule (issue: "Installing 55 %" went on until
    // the phase ended).
    void conditionsWatchedWhileAPhaseInstalls_data() {
        QTest::addColumn<QString>("rule");
        QTest::newRow("pause") << "pause";
        QTest::newRow("rollback") << "rollback";
        QTest::newRow("continue") << "continue";
    }
    void conditionsWatchedWhileAPhaseInstalls() {
        QFETCH(QString, rule);
        Fixture f;
        f.gateway.holdInstalls = true;
        Campaign c = f.campaign();
        c.onConditionBreak = conditionBreakFromName(rule).value();
        for (CampaignTarget &t : c.targets) t.conditions.requireParked = true;
        QSignalSpy breaks(f.engine.get(), &CampaignEngine::conditionBreak);
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        QJsonObject record; // journaled before the driver is told
        connect(f.engine.get(), &CampaignEngine::conditionBreak, this, [&] { record = f.journal.records().last(); });
        f.engine->submit(c);
        QVERIFY(QTest::qWaitFor([&] { return !f.gateway.held.isEmpty(); }, 5000)); // the gateway installs
        QCOMPARE(f.engine->state(), State::Installing);
        QString error;
        QVERIFY(f.vehicle.set(vss::SelectedGear, 127, &error));
        QCOMPARE(breaks.count(), 1); // at once, while the step runs
        QCOMPARE(breaks.first().at(0).toStringList(), QStringList{"Shift to P"});
        QCOMPARE(breaks.first().at(1).value<ConditionBreak>(), c.onConditionBreak);
        QCOMPARE(record.value("type").toString(), QStringLiteral("condition-break"));
        QCOMPARE(record.value("rule").toString(), rule);
        QCOMPARE(record.value("unmet").toArray().first().toString(), QStringLiteral("Shift to P"));
        QCOMPARE(record.value("phase").toInt(), 0);
        if (rule != QLatin1String("rollback")) {
            QVERIFY(f.vehicle.set(vss::Speed, 10, &error));
            QCOMPARE(breaks.count(), 1); // the same break: told once
            QCOMPARE(f.engine->unmetConditions(), QStringList({"Stop the vehicle (speed 10 km/h)", "Shift to P"}));
        }
        if (rule == QLatin1String("rollback")) {
            // The running step is cancelled, everything rolls back.
            QVERIFY(done.wait(5000));
            const auto r = done.first().first().value<CampaignEngine::Result>();
            QCOMPARE(outcomeName(r.outcome), QStringLiteral("rolled-back"));
            QCOMPARE(failureOf(r), QStringLiteral("/install/conditions-not-met"));
            QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
            return;
        }
        f.gateway.holdInstalls = false;
        f.gateway.release(); // the step that cannot stop safely ends
        if (rule == QLatin1String("pause")) {
            // ... and the next phase waits for the vehicle.
            QTRY_COMPARE_WITH_TIMEOUT(f.engine->state(), State::WaitingForConditions, 5000);
            QCOMPARE(f.gateway.count(QStringLiteral("install"), QStringLiteral("ecu-a")), 0);
            QVERIFY(f.vehicle.set(vss::Speed, 0, &error));
            QVERIFY(f.vehicle.set(vss::SelectedGear, vss::GearPark, &error));
        }
        QVERIFY(done.wait(5000));
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
    }

    void signedDeferralLimit() {
        Fixture f(false);
        Campaign c = f.campaign();
        c.maxDeferrals = 1;
        QSignalSpy asked(f.engine.get(), &CampaignEngine::consentRequested);
        f.engine->submit(c);
        QVERIFY(asked.wait());
        QString error;
        CampaignEngine::Refusal refusal;
        QCOMPARE(f.engine->deferralsLeft(), 1);
        QVERIFY(f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Postpone,
                                        QDateTime::currentDateTimeUtc().addMSecs(50), &error));
        QVERIFY(asked.wait());
        QCOMPARE(f.engine->deferralsLeft(), 0);
        QVERIFY(!f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Postpone,
                                         QDateTime::currentDateTimeUtc().addSecs(-1), &error, &refusal));
        QCOMPARE(refusal, CampaignEngine::Refusal::InvalidTime);
        QVERIFY(!f.engine->answerConsent(CampaignEngine::ConsentKind::Download, CampaignEngine::Answer::Postpone,
                                         QDateTime::currentDateTimeUtc().addSecs(60), &error, &refusal));
        QCOMPARE(refusal, CampaignEngine::Refusal::DeferralLimit);
        QVERIFY2(error.contains(QLatin1String("may not be postponed again (signed policy: at most 1")),
                 qPrintable(error));
        QCOMPARE(f.engine->state(), State::AwaitingDownloadConsent);
    }

    void waitsForVehicleConditions() {
        Fixture f;
        QString error;
        QVERIFY(f.vehicle.set(vss::SelectedGear, 127, &error));
        QVERIFY(f.vehicle.set(vss::BatterySoc, 20, &error));
        Campaign c = f.campaign();
        c.targets[1].conditions.requireParked = true;
        c.targets[2].conditions.minBatterySoc = 40;
        QSignalSpy conditions(f.engine.get(), &CampaignEngine::conditionsChanged);
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->submit(c);
        QVERIFY(conditions.wait());
        QCOMPARE(f.engine->state(), State::WaitingForConditions);
        QCOMPARE(f.engine->unmetConditions(), QStringList({"Shift to P", "Battery at 20 %, needs 40 %"}));
        QCOMPARE(f.gateway.count(QStringLiteral("install"), QStringLiteral("gw")), 0);
        QVERIFY(f.vehicle.set(vss::SelectedGear, vss::GearPark, &error));
        QCOMPARE(f.engine->state(), State::WaitingForConditions);
        QVERIFY(f.vehicle.set(vss::BatterySoc, 55, &error));
        QVERIFY(done.wait());
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
        QVERIFY(!f.vehicle.set(QStringLiteral("Vehicle.Nope"), 1, &error));
        QVERIFY(error.contains(QLatin1String("unknown signal")));
    }

    void cancelDuringDownloadRollsBack() {
        Fixture f;
        f.gateway.holdTransfers = true;
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        QSignalSpy states(f.engine.get(), &CampaignEngine::stateChanged);
        f.engine->submit(f.campaign());
        QVERIFY(QTest::qWaitFor([&] { return f.gateway.held.size() == 3; }, 5000));
        QString error;
        QVERIFY(f.engine->cancel(QStringLiteral("server cancelled the action"), &error));
        // Visible at once, and the downloads behind the streams are stopped
        // at once, not when the agents give the payloads back.
        QCOMPARE(f.engine->state(), State::Cancelling);
        QCOMPARE(f.payloads.aborted, QStringList({"server cancelled the action"}));
        QVERIFY(!f.engine->cancel(QStringLiteral("again"), &error));
        QCOMPARE(error, QStringLiteral("already cancelling"));
        QVERIFY(done.wait());
        const auto r = done.first().first().value<CampaignEngine::Result>();
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("cancelled"));
        QCOMPARE(failureOf(r), QStringLiteral("/transfer/cancelled"));
        QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
        // Cancelling while the steps stop and the devices roll back, then
        // Cancelled, then Idle; never RollingBack (a failure's rollback).
        QList<State> seen;
        for (const QList<QVariant> &s : states) seen << s.first().value<State>();
        QCOMPARE(seen.mid(seen.indexOf(State::Cancelling)),
                 QList<State>({State::Cancelling, State::Cancelled, State::Idle}));
    }

    // The driver may still stop an installation before activation: the step
    // the cancel interrupts fails, and that is the cancel's outcome, not a
    // device failure.
    void cancelDuringInstallIsTheCancelsOutcome() {
        Fixture f;
        f.gateway.holdInstalls = true;
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->submit(f.campaign());
        QVERIFY(QTest::qWaitFor([&] { return !f.gateway.held.isEmpty(); }, 5000));
        QCOMPARE(f.engine->state(), State::Installing);
        QString error;
        QVERIFY2(f.engine->cancel(QStringLiteral("driver"), &error), qPrintable(error));
        QVERIFY(done.wait());
        const auto r = done.first().first().value<CampaignEngine::Result>();
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("cancelled"));
        QVERIFY2(r.failure.reason.contains(QLatin1String("cancelled: driver")), qPrintable(r.failure.reason));
        QCOMPARE(failureOf(r), QStringLiteral("/install/cancelled")); // not the interrupted step's device error
        QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
    }

    void cancelAfterActivationIsRefused() {
        Fixture f;
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        bool tried = false;
        QString error;
        connect(f.engine.get(), &CampaignEngine::stateChanged, this, [&](State s) {
            if (s == State::Verifying && !tried) {
                tried = true;
                QVERIFY(!f.engine->cancel(QStringLiteral("driver"), &error));
            }
        });
        f.engine->submit(f.campaign());
        QVERIFY(done.wait());
        QVERIFY(tried);
        QVERIFY2(error.contains(QLatin1String("too late to cancel")), qPrintable(error));
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
    }

    void campaignsQueueOneAtATime() {
        Fixture f;
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        Campaign a = f.campaign(), b = f.campaign();
        b.id = QStringLiteral("c2");
        for (CampaignTarget &t : b.targets) t.version = QStringLiteral("3.0");
        f.engine->submit(a);
        f.engine->submit(b);
        QCOMPARE(f.engine->queued(), 2);
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 2; }, 5000));
        QCOMPARE(done[0].first().value<CampaignEngine::Result>().campaignId, QStringLiteral("c1"));
        QCOMPARE(done[1].first().value<CampaignEngine::Result>().campaignId, QStringLiteral("c2"));
        QCOMPARE(f.versions(), QStringList({"3.0", "3.0", "3.0"}));
        QCOMPARE(f.engine->history().size(), 2);
    }

    void rebootBetweenActivationAndCommit_data() {
        QTest::addColumn<bool>("fellBack");
        QTest::newRow("trial boot came up") << false;
        QTest::newRow("bootloader fell back") << true;
    }
    void rebootBetweenActivationAndCommit() {
        QFETCH(bool, fellBack);
        Fixture f;
        f.gateway.devices[QStringLiteral("gw")].caps = CONDUIT_CAP_ROLLBACK | CONDUIT_CAP_NEEDS_REBOOT;
        QSignalSpy reboot(f.engine.get(), &CampaignEngine::rebootRequested);
        f.engine->submit(f.campaign());
        QVERIFY(reboot.wait(5000));
        QCOMPARE(f.engine->state(), State::AwaitingReboot);
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("gw")), 0);
        QString error;
        QVERIFY(!f.engine->cancel(QStringLiteral("driver"), &error)); // too late
        // The vehicle restarts: a new host on the same journal and devices.
        if (fellBack) {
            FakeDevice &gw = f.gateway.devices[QStringLiteral("gw")];
            gw.current = gw.previous;
            gw.state = conduit::agents::UpdateState::RolledBack;
        }
        f.engine.reset();
        Journal journal(f.dir.filePath(QStringLiteral("journal")));
        QVERIFY(journal.open(&error));
        CampaignEngine::Config c;
        CampaignEngine engine(&journal, &f.gateway, &f.payloads, &f.vehicle, c);
        QSignalSpy done(&engine, &CampaignEngine::finished);
        QSignalSpy again(&engine, &CampaignEngine::rebootRequested);
        engine.recover();
        QVERIFY(done.wait(5000));
        QVERIFY(again.isEmpty()); // the reboot happened: no second one
        const auto r = done.first().first().value<CampaignEngine::Result>();
        if (fellBack) {
            QCOMPARE(outcomeName(r.outcome), QStringLiteral("rolled-back"));
            QVERIFY2(r.failure.reason.contains(QLatin1String("device gw runs 1.0 after activation")),
                     qPrintable(r.failure.reason));
            QCOMPARE(failureOf(r), QStringLiteral("gw/verify/verification"));
            QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
        } else {
            QCOMPARE(outcomeName(r.outcome), QStringLiteral("success"));
            QCOMPARE(f.gateway.count(QStringLiteral("activate"), QStringLiteral("gw")), 1); // not repeated
            QCOMPARE(f.versions(), QStringList({"2.0", "2.0", "2.0"}));
        }
    }

    // --- recovery after a power cut, from the journal ---

    void recoveryBeforeActivationRollsBack() {
        Fixture f;
        f.gateway.failAt << QStringLiteral("ecu-b:install"); // never reached: we cut first
        Campaign c = f.campaign();
        // Simulate the journal of a host that died after staging.
        f.journalUpTo(c, {});
        for (FakeDevice &d : f.gateway.devices) {
            d.staged = QStringLiteral("2.0");
            d.state = conduit::agents::UpdateState::Staged;
        }
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->recover();
        QVERIFY(done.wait());
        const auto r = done.first().first().value<CampaignEngine::Result>();
        QCOMPARE(outcomeName(r.outcome), QStringLiteral("rolled-back"));
        QVERIFY(r.failure.reason.contains(QLatin1String("power loss before activation")));
        QCOMPARE(failureOf(r), QStringLiteral("//interrupted"));
        for (const FakeDevice &d : f.gateway.devices) QCOMPARE(d.state, conduit::agents::UpdateState::Idle);
        QCOMPARE(f.versions(), QStringList({"1.0", "1.0", "1.0"}));
    }

    void recoveryAfterActivationBeginsRollsForwardWithoutRepeating() {
        Fixture f;
        Campaign c = f.campaign();
        f.journalUpTo(c, {"activate-begin"});
        // gw had been activated when the power went; the ECUs were staged.
        for (FakeDevice &d : f.gateway.devices) {
            d.staged = QStringLiteral("2.0");
            d.state = conduit::agents::UpdateState::Staged;
        }
        FakeDevice &gw = f.gateway.devices[QStringLiteral("gw")];
        gw.previous = gw.current;
        gw.current = QStringLiteral("2.0");
        gw.state = conduit::agents::UpdateState::Activated;
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->recover();
        QVERIFY(done.wait());
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
        QCOMPARE(f.gateway.count(QStringLiteral("activate"), QStringLiteral("gw")), 0);
        QCOMPARE(f.gateway.count(QStringLiteral("activate"), QStringLiteral("ecu-a")), 1);
        QCOMPARE(f.versions(), QStringList({"2.0", "2.0", "2.0"}));
    }

    void recoveryAfterCommitBeginsCommitsTheRest() {
        Fixture f;
        Campaign c = f.campaign();
        f.journalUpTo(c, {"activate-begin", "commit-begin"});
        for (FakeDevice &d : f.gateway.devices) {
            d.previous = d.current;
            d.current = QStringLiteral("2.0");
            d.state = conduit::agents::UpdateState::Activated;
        }
        f.gateway.devices[QStringLiteral("gw")].state = conduit::agents::UpdateState::Idle; // already committed
        QSignalSpy done(f.engine.get(), &CampaignEngine::finished);
        f.engine->recover();
        QVERIFY(done.wait());
        QCOMPARE(outcomeName(done.first().first().value<CampaignEngine::Result>().outcome), QStringLiteral("success"));
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("gw")), 0);
        QCOMPARE(f.gateway.count(QStringLiteral("commit"), QStringLiteral("ecu-b")), 1);
    }

    void recoveryOfFinishedJournalDoesNothing() {
        Fixture f;
        QString error;
        f.journal.append({{"type", "start"}, {"campaign", f.campaign().toJson()}}, true, &error);
        // The power went after the result was journaled, before the history
        // file was written: the result must not be lost.
        f.journal.append({{"type", "finish"},
                          {"result", QJsonObject{{"campaign", "c1"},
                                                 {"outcome", "rolled-back"},
                                                 {"failed_device", "gw"},
                                                 {"failed_step", "activate"},
                                                 {"failure_kind", "device-error"},
                                                 {"finished", "2026-11-22T10:00:00Z"}}}},
                         true, &error);
        f.engine->recover();
        QCOMPARE(f.engine->state(), State::Idle);
        QVERIFY(f.gateway.calls.isEmpty());
        QVERIFY(f.journal.records().isEmpty());
        QCOMPARE(f.engine->history().size(), 1);
        QCOMPARE(f.engine->history()[0].campaignId, QStringLiteral("c1"));
        QCOMPARE(outcomeName(f.engine->history()[0].outcome), QStringLiteral("rolled-back"));
        QCOMPARE(failureOf(f.engine->history()[0]), QStringLiteral("gw/activate/device-error"));
    }

    // The structured failure outlives the host: through the journal when the
    // power goes during the rollback, then through the history file.
    void failureSurvivesPowerCutAndRestart() {
        Fixture f;
        f.gateway.failAt << QStringLiteral("ecu-b:install");
        const QString cut = f.dir.filePath(QStringLiteral("journal-at-cut"));
        // The power goes once the first device is rolled back: the journal
        // as it was on disk then.
        connect(f.engine.get(), &CampaignEngine::progressChanged, this, [&] {
            if (f.engine->state() == State::RollingBack && !QFile::exists(cut))
                QFile::copy(f.dir.filePath(QStringLiteral("journal")), cut);
        });
        const auto before = f.run(f.campaign());
        QCOMPARE(failureOf(before), QStringLiteral("ecu-b/install/device-error"));
        QVERIFY(QFile::exists(cut));
        QString error;
        Journal journal(cut);
        QVERIFY(journal.open(&error));
        CampaignEngine::Config c;
        c.historyPath = f.dir.filePath(QStringLiteral("history-after-cut.json"));
        QJsonObject recovered;
        {
            CampaignEngine engine(&journal, &f.gateway, &f.payloads, &f.vehicle, c);
            QSignalSpy done(&engine, &CampaignEngine::finished);
            engine.recover();
            QVERIFY(done.wait());
            const auto r = done.first().first().value<CampaignEngine::Result>();
            QCOMPARE(outcomeName(r.outcome), QStringLiteral("rolled-back"));
            QCOMPARE(r.failure.reason, before.failure.reason);
            QCOMPARE(failureOf(r), failureOf(before));
            recovered = r.toJson();
        }
        CampaignEngine restarted(&journal, &f.gateway, &f.payloads, &f.vehicle, c);
        QCOMPARE(restarted.history().size(), 1);
        QCOMPARE(restarted.history()[0].toJson(), recovered);
        QCOMPARE(recovered.value(QLatin1String("failed_step")).toString(), QStringLiteral("install"));
    }
};

QTEST_GUILESS_MAIN(TestCampaignEngine)
#include "tst_campaignengine.moc"
