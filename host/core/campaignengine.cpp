#include "campaignengine.h"
#include "campaignengine_p.h"
#include "campaignlog.h"
#include "campaignplan.h"
#include "logfields.h"

#include <conduit/agent.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QSaveFile>

#include <algorithm>
#include <memory>

namespace conduit::core {

using agents::CallResult;
using ipc::Op;

namespace {

using Step = Failure::Step;
using Kind = Failure::Kind;

// The step the driver is told about for an agent operation.
Step stepOf(Op op) {
    switch (op) {
    case Op::Transfer: return Step::Transfer;
    case Op::PrepareInstall:
    case Op::Install:
    case Op::PostInstall: return Step::Install;
    case Op::Activate: return Step::Activate;
    case Op::Commit: return Step::Commit;
    default: return Step::None; // rollback: its failures flag devices instead
    }
}

Failure deviceError(const QString &device, Op op, const CallResult &r) {
    const QString detail = r.message.isEmpty() ? QString::fromStdString(ipc::resultText(r.code)) : r.message;
    return {stepOf(op), r.code == CONDUIT_E_TIMEOUT ? Kind::Timeout : Kind::DeviceError, device,
            QStringLiteral("device %1: %2 failed: %3").arg(device, QLatin1String(ipc::opName(op)), detail)};
}

} // namespace

QString CampaignEngine::stateName(State s) {
    return QString::fromLatin1(QMetaEnum::fromType<State>().valueToKey(int(s)));
}

CampaignEngine::CampaignEngine(Journal *journal, DeviceGateway *gateway, PayloadSource *payloads, VehicleState *vehicle,
                               Config config, QObject *parent)
    : QObject(parent), journal_(journal), gateway_(gateway), payloads_(payloads), vehicle_(vehicle),
      config_(std::move(config)) {
    postponeTimer_.setSingleShot(true);
    connect(&postponeTimer_, &QTimer::timeout, this, [this] {
        if (state_ == State::Postponed) askConsent(pendingConsent_);
    });
    commitRetryTimer_.setSingleShot(true);
    connect(&commitRetryTimer_, &QTimer::timeout, this, [this] {
        if (state_ == State::CommitPending) commit();
    });
    connect(vehicle_, &VehicleState::changed, this, [this] {
        if (state_ == State::WaitingForConditions) waitForConditions();
        if (state_ == State::Installing) watchConditions();
    });
    loadHistory();
}

void CampaignEngine::setAutoConsent(bool on) {
    config_.autoConsentDownload = config_.autoConsentInstall = on;
    // A consent being asked right now is answered by the new policy too.
    if (on && (state_ == State::AwaitingDownloadConsent || state_ == State::AwaitingInstallConsent))
        askConsent(pendingConsent_);
}

void CampaignEngine::setInstallHold(const QString &reason) {
    if (installHold_ == reason) return;
    installHold_ = reason;
    if (state_ == State::WaitingForConditions) waitForConditions();
}

void CampaignEngine::setState(State s) {
    if (s == state_) return;
    setLogCampaign(s == State::Idle ? QString() : campaign_.id);
    qCInfo(lcCampaign).noquote() << "campaign" << campaign_.id << stateName(state_) << "->" << stateName(s);
    state_ = s;
    emit stateChanged(s);
}

bool CampaignEngine::journal(const JournalRecord &r, bool durable) {
    QString error;
    if (journal_->append(r.toJson(), durable, &error)) return true;
    // Without a journal nothing irreversible may happen: stop here. The
    // next start replays what was durable and undoes the rest.
    qCCritical(lcCampaign).noquote() << error;
    return false;
}

void CampaignEngine::submit(const Campaign &campaign) {
    queue_.push_back(campaign);
    if (state_ == State::Idle) QTimer::singleShot(0, this, &CampaignEngine::startNext);
}

void CampaignEngine::startNext() {
    if (state_ != State::Idle || queue_.empty()) return;
    campaign_ = queue_.front();
    queue_.pop_front();
    ++generation_;
    updates_.clear();
    phase_ = -1;
    activationStarted_ = cancelRequested_ = rollbackStarted_ = rebooted_ = commitBegun_ = pendingReported_ = false;
    commitAttempts_ = 0;
    deferrals_ = 0;
    cancelOutcome_ = Outcome::Cancelled;
    conditionBroken_ = false;
    unmet_.clear();
    recovered_.clear();
    if (!journal(JournalRecord::start(campaign_), true)) return finish(Outcome::Failed, journalFailure());
    check();
}

void CampaignEngine::check() {
    setState(State::Checking);
    const quint64 gen = generation_;
    gateway_->inventory([this, gen](const QList<DeviceRecord> &devices, const QString &error) {
        if (gen != generation_) return;
        const CampaignPlan plan = planCampaign(campaign_.targets, devices, error);
        for (const CampaignPlan::Device &p : plan.devices) {
            DeviceUpdate r;
            r.target = p.target;
            r.agentId = p.agentId;
            r.fromVersion = p.fromVersion;
            r.capabilities = p.capabilities;
            r.progress.deviceId = p.target.deviceId;
            r.progress.total = p.target.length;
            updates_ << r;
        }
        if (!plan.installable())
            return finish(Outcome::Failed, {Step::Check, Kind::NotInstallable, plan.firstDevice,
                                            plan.problems.join(QStringLiteral("; "))});
        phaseOrder_ = phases();
        showPlannedPhases();
        QList<PlannedUpdate> planned;
        for (const DeviceUpdate &r : updates_)
            planned << PlannedUpdate{r.target.deviceId, r.agentId, r.fromVersion, r.capabilities, r.target.phase};
        if (!journal(JournalRecord::planned(planned), true)) return finish(Outcome::Failed, journalFailure());
        afterConsent_ = [this] { download(); };
        askConsent(ConsentKind::Download);
    });
}

void CampaignEngine::askConsent(ConsentKind kind) {
    pendingConsent_ = kind;
    const bool automatic =
        campaign_.forced || (kind == ConsentKind::Download ? config_.autoConsentDownload : config_.autoConsentInstall);
    if (automatic) {
        journal(JournalRecord::consent(kind, ConsentAnswer::Policy), false);
        if (afterConsent_) afterConsent_();
        return;
    }
    setState(kind == ConsentKind::Download ? State::AwaitingDownloadConsent : State::AwaitingInstallConsent);
    emit consentRequested(kind);
}

bool CampaignEngine::answerConsent(ConsentKind kind, Answer answer, const QDateTime &until, QString *error,
                                   Refusal *refusal) {
    Refusal ignored;
    if (!refusal) refusal = &ignored;
    *refusal = Refusal::NotAsked;
    const bool waiting = (state_ == State::AwaitingDownloadConsent && kind == ConsentKind::Download) ||
                         (state_ == State::AwaitingInstallConsent && kind == ConsentKind::Install) ||
                         (state_ == State::Postponed && kind == pendingConsent_);
    if (!waiting) {
        *error = QStringLiteral("no %1 consent is being asked (state %2)")
                     .arg(kind == ConsentKind::Download ? QStringLiteral("download") : QStringLiteral("install"),
                          stateName(state_));
        return false;
    }
    switch (answer) {
    case Answer::Accept:
        journal(JournalRecord::consent(kind, ConsentAnswer::Accept), false);
        QTimer::singleShot(0, this, [this, gen = generation_] {
            if (gen == generation_ && afterConsent_) afterConsent_();
        });
        return true;
    case Answer::Decline:
        journal(JournalRecord::consent(kind, ConsentAnswer::Decline), false);
        if (kind == ConsentKind::Download)
            finish(Outcome::Declined,
                   {Step::Consent, Kind::Declined, {}, QStringLiteral("the driver declined the download")});
        else
            rollback({Step::Consent, Kind::Declined, {}, QStringLiteral("the driver declined the installation")},
                     Outcome::Declined);
        return true;
    case Answer::Postpone: {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (!until.isValid() || until <= now) {
            *error = QStringLiteral("postpone needs a time in the future");
            *refusal = Refusal::InvalidTime;
            return false;
        }
        if (campaign_.maxDeferrals >= 0 && deferrals_ >= campaign_.maxDeferrals) {
            *error = QStringLiteral("this update may not be postponed again (signed policy: at most %1 time(s))")
                         .arg(campaign_.maxDeferrals);
            *refusal = Refusal::DeferralLimit;
            return false;
        }
        ++deferrals_;
        setState(State::Postponed);
        postponeTimer_.start(int(std::min<qint64>(now.msecsTo(until), std::numeric_limits<int>::max())));
        return true;
    }
    }
    return false;
}

void CampaignEngine::download() {
    setState(State::Downloading);
    transferClock_.start();
    QList<DeviceUpdate *> all;
    for (DeviceUpdate &r : updates_) all << &r;
    auto payloads = std::make_shared<QHash<QString, std::shared_ptr<QIODevice>>>();
    for (DeviceUpdate *r : all) {
        QString error;
        std::unique_ptr<QIODevice> dev =
            (campaign_.payloads ? campaign_.payloads.get() : payloads_)->open(r->target, &error);
        if (!dev)
            return fail({Step::Transfer, Kind::PayloadUnavailable, r->target.deviceId,
                         QStringLiteral("device %1: payload %2 not available: %3")
                             .arg(r->target.deviceId, r->target.targetName, error)});
        payloads->insert(r->target.deviceId, std::shared_ptr<QIODevice>(std::move(dev)));
    }
    const quint64 gen = generation_;
    auto pending = std::make_shared<int>(int(all.size()));
    auto failure = std::make_shared<Failure>();
    for (DeviceUpdate *r : all) {
        r->touched = true;
        r->progress.step = QStringLiteral("transfer");
        const QString device = r->target.deviceId;
        gateway_->call(
            Op::Transfer, r->agentId, spec(*r), payloads->value(device).get(),
            [this, gen, device, pending, failure, payloads](const CallResult &res) {
                if (gen != generation_) return;
                DeviceUpdate *run = nullptr;
                for (DeviceUpdate &x : updates_)
                    if (x.target.deviceId == device) run = &x;
                if (!res.ok()) {
                    run->progress.error = res.message;
                    if (failure->isEmpty()) *failure = deviceError(device, Op::Transfer, res);
                } else {
                    run->progress.done = run->progress.total;
                    journal(JournalRecord::staged(device), false);
                }
                emit progressChanged();
                if (--*pending > 0) return;
                if (cancelRequested_) return rollback(cancelFailure_, cancelOutcome_);
                if (!failure->isEmpty()) return fail(*failure);
                afterConsent_ = [this] { waitForConditions(); };
                askConsent(ConsentKind::Install);
            },
            [this, gen, device](quint64 done, quint64) {
                if (gen != generation_) return;
                for (DeviceUpdate &x : updates_) {
                    if (x.target.deviceId != device) continue;
                    x.progress.done = done;
                    if (x.firstReportMs < 0) {
                        x.firstReportMs = transferClock_.elapsed();
                        x.firstReportBytes = done;
                    }
                }
                emit progressChanged();
            });
    }
}

Conditions CampaignEngine::conditions() const {
    Conditions all;
    for (const DeviceUpdate &r : updates_) {
        all.requireParked |= r.target.conditions.requireParked;
        all.minBatterySoc = std::max(all.minBatterySoc, r.target.conditions.minBatterySoc);
    }
    return all;
}

void CampaignEngine::watchConditions() {
    const QStringList unmet = vehicle_->unmet(conditions());
    if (unmet != unmet_) {
        unmet_ = unmet;
        emit conditionsChanged(unmet_);
    }
    if (unmet.isEmpty()) {
        conditionBroken_ = false;
        return;
    }
    if (conditionBroken_ || cancelRequested_) return; // told already, or stopping anyway
    conditionBroken_ = true;
    const ConditionBreak rule = campaign_.onConditionBreak;
    qCWarning(lcCampaign).noquote() << "vehicle condition broken while phase" << phase_
                                    << "installs:" << unmet.join(QStringLiteral("; "))
                                    << "- signed rule:" << conditionBreakName(rule);
    journal(JournalRecord::conditionBreak(unmet, rule, phase_), true);
    emit conditionBreak(unmet, rule);
    if (rule != ConditionBreak::Rollback) return; // pause: waits after the running steps; continue
    // The running steps are stopped as by a cancel; the rollback that
    // follows is this failure's.
    cancelRequested_ = true;
    cancelOutcome_ = Outcome::RolledBack;
    cancelFailure_ = {
        Step::Install,
        Kind::ConditionsNotMet,
        {},
        QStringLiteral("vehicle condition broken during the installation: %1").arg(unmet.join(QStringLiteral("; ")))};
    gateway_->cancelAll();
}

void CampaignEngine::waitForConditions() {
    QStringList unmet = vehicle_->unmet(conditions());
    if (!installHold_.isEmpty() && phase_ < 0) unmet << installHold_; // holds apply before installing starts
    if (unmet != unmet_) {
        unmet_ = unmet;
        emit conditionsChanged(unmet_);
    }
    if (!unmet.isEmpty() && phase_ > 0) {
        // The installation has started: the signed plan decides.
        if (campaign_.onConditionBreak == ConditionBreak::Rollback)
            return fail({Step::Install,
                         Kind::ConditionsNotMet,
                         {},
                         QStringLiteral("vehicle condition broken during the installation: %1")
                             .arg(unmet.join(QStringLiteral("; ")))});
        if (campaign_.onConditionBreak == ConditionBreak::Continue) unmet.clear();
    }
    if (!unmet.isEmpty()) {
        setState(State::WaitingForConditions);
        return;
    }
    conditionBroken_ = false; // a later break is a new one
    // Conditions hold: continue where the campaign stopped (before the
    // first phase, between phases, or before activation).
    if (phase_ < 0)
        installPhase(0);
    else if (phase_ < phaseOrder_.size())
        installPhase(phase_);
    else
        activate(0);
}

void CampaignEngine::installPhase(int index) {
    phase_ = index;
    if (index >= phaseOrder_.size()) return activate(0);
    setState(State::Installing);
    emit phaseChanged(index, int(phaseOrder_.size()));
    QList<DeviceUpdate *> runs = updatesInPhase(phaseOrder_[index]);
    const quint64 gen = generation_;
    stepAll(Op::PrepareInstall, runs, [this, gen, runs, index](const Failure &f1) {
        if (gen != generation_) return;
        if (cancelRequested_) return rollback(cancelFailure_, cancelOutcome_); // no next step after a cancel
        if (!f1.isEmpty()) return fail(f1);
        stepAll(Op::Install, runs, [this, gen, runs, index](const Failure &f2) {
            if (gen != generation_) return;
            if (cancelRequested_) return rollback(cancelFailure_, cancelOutcome_);
            if (!f2.isEmpty()) return fail(f2);
            stepAll(Op::PostInstall, runs, [this, gen, runs, index](const Failure &f3) {
                if (gen != generation_) return;
                if (cancelRequested_) return rollback(cancelFailure_, cancelOutcome_);
                if (!f3.isEmpty()) return fail(f3);
                for (DeviceUpdate *r : runs) journal(JournalRecord::installed(r->target.deviceId), false);
                phase_ = index + 1;
                // Conditions are checked again between phases: a broken
                // condition pauses the installation until it holds again.
                waitForConditions();
            });
        });
    });
}

void CampaignEngine::activate(int index) {
    if (index == 0) {
        setState(State::Activating);
        if (cancelRequested_) return rollback(cancelFailure_, cancelOutcome_);
        // The point after which a power cut resumes forward, not back.
        if (!activationStarted_ && !journal(JournalRecord::marker(RecordType::ActivateBegin), true))
            return fail(journalFailure());
        activationStarted_ = true;
    }
    if (index >= phaseOrder_.size()) {
        const bool needsReboot = std::any_of(updates_.begin(), updates_.end(), [](const DeviceUpdate &r) {
            return r.capabilities & CONDUIT_CAP_NEEDS_REBOOT;
        });
        if (needsReboot && !rebooted_) {
            journal(JournalRecord::marker(RecordType::RebootPending), true);
            setState(State::AwaitingReboot);
            emit rebootRequested();
            return;
        }
        return verifyActivation();
    }
    const quint64 gen = generation_;
    stepAll(Op::Activate, updatesInPhase(phaseOrder_[index]), [this, gen, index](const Failure &failure) {
        if (gen != generation_) return;
        if (!failure.isEmpty()) return fail(failure);
        activate(index + 1);
    });
}

void CampaignEngine::verifyActivation() {
    setState(State::Verifying);
    const quint64 gen = generation_;
    gateway_->inventory([this, gen](const QList<DeviceRecord> &devices, const QString &) {
        if (gen != generation_) return;
        for (const DeviceUpdate &r : updates_) {
            auto it = std::find_if(devices.begin(), devices.end(),
                                   [&](const DeviceRecord &d) { return d.info.id == r.target.deviceId; });
            const QString &device = r.target.deviceId;
            if (it == devices.end())
                return fail({Step::Verify, Kind::Verification, device,
                             QStringLiteral("device %1 did not come back after activation").arg(device)});
            if (it->info.currentVersion != r.target.version)
                return fail({Step::Verify, Kind::Verification, device,
                             QStringLiteral("device %1 runs %2 after activation, expected %3")
                                 .arg(device, it->info.currentVersion, r.target.version)});
        }
        commit();
    });
}

QList<int> CampaignEngine::phases() const {
    QList<int> p;
    for (const DeviceUpdate &r : updates_)
        if (!p.contains(r.target.phase)) p << r.target.phase;
    std::sort(p.begin(), p.end());
    return p;
}

void CampaignEngine::showPlannedPhases() {
    // Devices that cannot roll back were moved to a last phase of their own.
    for (CampaignTarget &t : campaign_.targets)
        for (const DeviceUpdate &r : updates_)
            if (r.target.deviceId == t.deviceId) t.phase = r.target.phase;
}

QList<CampaignEngine::DeviceUpdate *> CampaignEngine::updatesInPhase(int phase) {
    QList<DeviceUpdate *> out;
    for (DeviceUpdate &r : updates_)
        if (r.target.phase == phase) out << &r;
    return out;
}

agents::UpdateSpec CampaignEngine::spec(const DeviceUpdate &r) const {
    agents::UpdateSpec u;
    u.deviceId = r.target.deviceId;
    u.targetName = r.target.targetName;
    u.version = r.target.version;
    u.sha256 = r.target.sha256;
    u.customJson = r.target.customJson;
    u.length = r.target.length;
    return u;
}

void CampaignEngine::stepAll(Op op, QList<DeviceUpdate *> runs, std::function<void(const Failure &)> done,
                             std::function<bool(const DeviceUpdate &)> skip) {
    auto pending = std::make_shared<int>(int(runs.size()) + 1);
    auto failure = std::make_shared<Failure>();
    auto one = [pending, failure, done] {
        if (--*pending == 0) done(*failure);
    };
    const quint64 gen = generation_;
    for (DeviceUpdate *r : runs) {
        if ((skip && skip(*r)) || alreadyDone(op, *r)) {
            one();
            continue;
        }
        r->touched = true;
        r->progress.step = QLatin1String(ipc::opName(op));
        r->progress.error.clear();
        const QString device = r->target.deviceId;
        crashPoint("before-agent-step");
        gateway_->call(op, r->agentId, spec(*r), nullptr, [this, gen, device, op, failure, one](const CallResult &res) {
            if (gen != generation_) return;
            crashPoint("after-agent-step");
            for (DeviceUpdate &x : updates_) {
                if (x.target.deviceId != device) continue;
                if (res.ok()) continue;
                // Never empty: a failed device is flagged by its error.
                const Failure f = deviceError(device, op, res);
                x.progress.error = res.message.isEmpty() ? f.reason : res.message;
                if (failure->isEmpty()) *failure = f;
            }
            emit progressChanged();
            one();
        });
    }
    one();
}

} // namespace conduit::core
