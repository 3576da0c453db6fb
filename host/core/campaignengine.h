// The campaign engine: one campaign at a time per vehicle, through explicit
// states, with consent gates, vehicle-state conditions, a two-phase install
// across devices (stage all -> activate all -> commit all) and rollback of
// every touched device on any failure before commit. Every decision is
// journaled durably before it takes effect; recover() finishes or undoes an
// interrupted campaign after a power cut (docs/campaign-engine.md).
#pragma once

#include "campaign.h"
#include "campaignresult.h"
#include "devicegateway.h"
#include "failure.h"
#include "journal.h"
#include "journalrecord.h"
#include "vehiclestate.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <algorithm>
#include <deque>

namespace conduit::core {

class CampaignEngine : public QObject {
    Q_OBJECT
public:
    // The states, in the order a successful campaign passes them.
    enum class State {
        Idle,
        Checking,
        AwaitingDownloadConsent,
        Downloading,
        AwaitingInstallConsent,
        WaitingForConditions,
        Installing,
        Activating,
        AwaitingReboot,
        Verifying,
        Committing,
        CommitPending, // a commit could not be made durable: retried (docs/campaign-engine.md)
        Done,
        RollingBack,
        RolledBack,
        Failed,
        Cancelled,
        Postponed,
        Recovering,
        // A cancel is being carried out: transfers and steps are stopped,
        // touched devices rolled back; then Cancelled (docs/dbus-api.md).
        Cancelling,
    };
    Q_ENUM(State)
    static QString stateName(State s);

    using ConsentKind = core::ConsentKind;
    enum class Answer { Accept, Decline, Postpone };

    struct Config {
        bool autoConsentDownload = false;
        bool autoConsentInstall = false;
        int historySize = 20;
        QString historyPath; // JSON file; empty: in memory only
        // A commit that failed is retried after each of these delays, then
        // reported (flagged) and retried once at every later start.
        QList<int> commitRetryMs = {10000, 60000, 300000};
    };

    struct DeviceProgress {
        QString deviceId, step;
        quint64 done = 0, total = 0;
        QString error;
        int etaSeconds = -1; // this device's transfer time left, -1 when unknown
    };

    using Result = CampaignResult;

    // `payloads` serves a campaign that carries no source of its own
    // (Campaign::payloads), i.e. one resumed after a restart.
    CampaignEngine(Journal *journal, DeviceGateway *gateway, PayloadSource *payloads, VehicleState *vehicle,
                   Config config, QObject *parent = nullptr);

    // Replays the journal: finishes or rolls back an interrupted campaign.
    // Call once at start-up, before submit().
    void recover();
    // Queues a campaign; it starts when the engine is idle.
    void submit(const Campaign &campaign);
    // Why an answer was refused, for the caller to tell apart (the D-Bus
    // error names): no such question, a postpone to a time not in the
    // future, a postpone beyond the signed deferral limit.
    enum class Refusal { NotAsked, InvalidTime, DeferralLimit };
    bool answerConsent(ConsentKind kind, Answer answer, const QDateTime &postponeUntil, QString *error,
                       Refusal *refusal = nullptr);
    // How often the driver may still postpone this campaign (signed
    // max_deferrals minus the postpones so far); -1: no limit.
    int deferralsLeft() const {
        return campaign_.maxDeferrals < 0 ? -1 : std::max(0, campaign_.maxDeferrals - deferrals_);
    }
    // Cancel from server or driver: honoured before activation (rolls back),
    // refused after with a reason.
    bool cancel(const QString &why, QString *error);

    State state() const { return state_; }
    int phase() const { return phase_; }
    const Campaign &current() const { return campaign_; }
    QList<DeviceProgress> deviceProgress() const;
    quint64 bytesDone() const;
    // Seconds left for the transfer, -1 when unknown.
    int etaSeconds() const;
    QStringList unmetConditions() const { return unmet_; }
    QList<Result> history() const { return history_; }
    // Consent by policy for both gates (the driver's auto-confirm switch).
    bool autoConsent() const { return config_.autoConsentDownload && config_.autoConsentInstall; }
    void setAutoConsent(bool on);
    // A reason from outside the vehicle to hold before installing (e.g. the
    // server's maintenance window, a download-only action); empty releases.
    // It is shown like an unmet vehicle condition.
    void setInstallHold(const QString &reason);
    int queued() const { return int(queue_.size()); }

signals:
    void stateChanged(conduit::core::CampaignEngine::State state);
    void consentRequested(conduit::core::CampaignEngine::ConsentKind kind);
    void conditionsChanged(const QStringList &unmet);
    // The vehicle left the required state while a phase installs (watched
    // continuously, not only between phases): `unmet` says what, `rule` is
    // what the engine does by the signed on_condition_break (pause: the
    // running steps end, then it waits before the next phase; continue;
    // rollback: the running steps are cancelled and everything rolls back).
    // Once per break: again only after the conditions held in between.
    void conditionBreak(const QStringList &unmet, conduit::core::ConditionBreak rule);
    // Installing moved on to phase `index` (0-based) of `count`.
    void phaseChanged(int index, int count);
    // Devices were activated that only switch on a reboot: the platform must
    // restart the vehicle's computers; after the restart, recover() verifies
    // and commits (or rolls back if a device fell back).
    void rebootRequested();
    void progressChanged();
    void finished(const conduit::core::CampaignEngine::Result &result);

private:
    // One device's part in the current campaign: its target, the agent
    // that updates it, what it ran before and how far it got.
    struct DeviceUpdate {
        CampaignTarget target;
        QString agentId;
        QString fromVersion;
        quint32 capabilities = 0;
        bool touched = false;   // an agent step was started on it
        bool confirmed = false; // its commit succeeded (or had already)
        DeviceProgress progress;
        // The device's first transfer report (transferClock_ ms, bytes): its
        // rate is measured from there, since devices of one agent may wait
        // for each other and start late.
        qint64 firstReportMs = -1;
        quint64 firstReportBytes = 0;
    };

    void setState(State s);
    void startNext();
    bool journal(const JournalRecord &record, bool durable);
    void check();
    void askConsent(ConsentKind kind);
    void download();
    void waitForConditions();
    // While a phase installs: a broken condition is told, journaled and
    // acted on at once.
    void watchConditions();
    // The union of the targets' signed conditions.
    Conditions conditions() const;
    void installPhase(int index);
    void activate(int index);
    void verifyActivation();
    void commit();
    // The commit of some device (or its journal record) failed: flag, retry.
    void commitPending(const Failure &why);
    void rollback(const Failure &why, Outcome outcome);
    // The rollback is over: asks the devices that switch on a reboot what
    // they run, then finishes.
    void rolledBack(const Failure &why, Outcome outcome, const QStringList &flagged);
    void finish(Outcome outcome, const Failure &why, const QStringList &flagged = {},
                const QStringList &rebootNeeded = {});
    Result resultOf(Outcome outcome, const Failure &why, const QStringList &flagged) const;
    // Adds r to the history and writes it; false (logged) when it could not
    // be made durable.
    bool keepInHistory(const Result &r);
    // A step that failed because a cancel interrupted it is the cancel's doing.
    void fail(const Failure &why) {
        cancelRequested_ ? rollback(cancelFailure_, cancelOutcome_) : rollback(why, Outcome::RolledBack);
    }
    bool alreadyDone(ipc::Op op, const DeviceUpdate &r) const;
    QList<int> phases() const;
    QList<DeviceUpdate *> updatesInPhase(int phase);
    // The campaign shown (control API, durations) follows the plan's order.
    void showPlannedPhases();
    agents::UpdateSpec spec(const DeviceUpdate &r) const;
    // Runs `op` on every device in `runs` (all in parallel), then `done` with
    // the first failure (empty when all succeeded).
    void stepAll(ipc::Op op, QList<DeviceUpdate *> runs, std::function<void(const Failure &failure)> done,
                 std::function<bool(const DeviceUpdate &)> skip = {});
    // Recovery found a record it cannot read: see campaignrecovery.cpp.
    void refuseRecovery(const QJsonObject &startRecord, const QList<PlannedUpdate> &plan, const QString &why);
    void loadHistory();
    bool saveHistory(QString *error);

    Journal *journal_;
    DeviceGateway *gateway_;
    PayloadSource *payloads_;
    VehicleState *vehicle_;
    Config config_;
    State state_ = State::Idle;
    Campaign campaign_;
    QList<DeviceUpdate> updates_;
    std::deque<Campaign> queue_;
    int phase_ = -1;
    QList<int> phaseOrder_;
    bool activationStarted_ = false;
    bool rebooted_ = false;        // the reboot after activation has happened
    bool commitBegun_ = false;     // commit-begin is durable
    int commitAttempts_ = 0;       // failed commit attempts in this life of the host
    bool pendingReported_ = false; // the pending commit is already in the history
    QTimer commitRetryTimer_;
    bool cancelRequested_ = false;               // a cancel, or a condition break ruled "rollback", stops the steps
    Outcome cancelOutcome_ = Outcome::Cancelled; // what the stop ends in
    bool conditionBroken_ = false;               // told for this break already
    bool rollbackStarted_ = false;               // rollback() runs (RollingBack, or Cancelling for a cancel)
    Failure cancelFailure_;
    QStringList unmet_;
    QString installHold_;
    QList<Result> history_;
    QElapsedTimer transferClock_;
    QTimer postponeTimer_;
    std::function<void()> afterConsent_;
    ConsentKind pendingConsent_ = ConsentKind::Download;
    int deferrals_ = 0;
    quint64 generation_ = 0; // guards callbacks of an abandoned campaign
    // After a power cut: each device's state as its agent reports it, so
    // that no step is repeated that already took effect.
    QHash<QString, agents::DeviceInfo> recovered_;
};

} // namespace conduit::core
