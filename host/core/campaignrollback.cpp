// How a campaign is undone: the rollback of every touched device (reverse
// phase order), a cancel (which is one), and what the devices run after it
// (one that switches on a reboot may still run its new slot). Split from
// campaignengine.cpp, same class (docs/campaign-engine.md).
#include "campaignengine.h"
#include "campaignengine_p.h"
#include "campaignlog.h"

#include <conduit/agent.h>

#include <QLoggingCategory>

#include <algorithm>
#include <memory>

namespace conduit::core {

using ipc::Op;

namespace {

using Step = Failure::Step;
using Kind = Failure::Kind;

// What the campaign was doing when a cancel stopped it (the states a
// cancel can still reach).
Step cancelledIn(CampaignEngine::State s) {
    using State = CampaignEngine::State;
    switch (s) {
    case State::Checking: return Step::Check;
    case State::AwaitingDownloadConsent:
    case State::AwaitingInstallConsent:
    case State::Postponed: return Step::Consent;
    case State::Downloading: return Step::Transfer;
    case State::WaitingForConditions: return Step::Conditions;
    case State::Installing: return Step::Install;
    default: return Step::None;
    }
}

} // namespace

void CampaignEngine::rollback(const Failure &why, Outcome outcome) {
    if (rollbackStarted_) return;
    rollbackStarted_ = true;
    // A cancel's rollback is the cancel still being carried out.
    setState(outcome == Outcome::Cancelled ? State::Cancelling : State::RollingBack);
    qCWarning(lcCampaign).noquote() << "rolling back:" << why.reason;
    journal(JournalRecord::rollbackBegin(outcome, why), true);
    QList<DeviceUpdate *> touched;
    for (DeviceUpdate &r : updates_) {
        r.progress.error.clear();
        if (r.touched) touched << &r;
    }
    // Reverse phase order: what was installed last is undone first.
    auto order = std::make_shared<QList<int>>(phaseOrder_);
    std::reverse(order->begin(), order->end());
    auto flagged = std::make_shared<QStringList>();
    // Phases are undone one after the other; the pending step callback
    // keeps the chain alive, the chain itself holds only a weak reference.
    auto step = std::make_shared<std::function<void(int)>>();
    std::weak_ptr<std::function<void(int)>> weakStep = step;
    const quint64 gen = generation_;
    *step = [this, gen, order, touched, flagged, weakStep, why, outcome](int i) {
        if (gen != generation_) return;
        if (i >= order->size()) return rolledBack(why, outcome, *flagged);
        QList<DeviceUpdate *> inPhase;
        for (DeviceUpdate *r : touched)
            if (r->target.phase == order->at(i)) inPhase << r;
        auto next = weakStep.lock();
        stepAll(Op::Rollback, inPhase, [this, gen, inPhase, flagged, next, i](const Failure &) {
            if (gen != generation_) return;
            for (DeviceUpdate *r : inPhase)
                if (!r->progress.error.isEmpty()) *flagged << r->target.deviceId;
            (*next)(i + 1);
        });
    };
    (*step)(0);
}

bool CampaignEngine::cancel(const QString &why, QString *error) {
    if (state_ == State::Idle || state_ == State::Recovering) {
        *error = QStringLiteral("no campaign is running");
        return false;
    }
    if (state_ == State::Cancelling) {
        *error = QStringLiteral("already cancelling");
        return false;
    }
    if (activationStarted_ || rollbackStarted_) {
        *error = QStringLiteral("too late to cancel: %1")
                     .arg(rollbackStarted_ ? QStringLiteral("already rolling back")
                                           : QStringLiteral("devices are being activated"));
        return false;
    }
    cancelRequested_ = true;
    cancelOutcome_ = Outcome::Cancelled;
    cancelFailure_ = {cancelledIn(state_), Kind::Cancelled, {}, QStringLiteral("cancelled: %1").arg(why)};
    if (state_ == State::Downloading || state_ == State::Installing) {
        // Seen at once on the control API while the steps stop.
        setState(State::Cancelling);
        // The downloads end now, whether or not an agent heeds its cancel:
        // the readers of their streams fail, no further byte is fetched.
        (campaign_.payloads ? campaign_.payloads.get() : payloads_)->abort(why);
        gateway_->cancelAll(); // the running steps fail with CANCELLED, then roll back
    } else {
        rollback(cancelFailure_, Outcome::Cancelled);
    }
    return true;
}

void CampaignEngine::rolledBack(const Failure &why, Outcome outcome, const QStringList &flagged) {
    // Still the cause's device, step and kind; the flagged devices are
    // reported beside them.
    Failure f = why;
    if (!flagged.isEmpty()) {
        f.reason = QStringLiteral("%1; rollback failed on %2: device needs service")
                       .arg(why.reason, flagged.join(QStringLiteral(", ")));
        outcome = Outcome::Failed;
    }
    const bool switchesOnReboot = std::any_of(updates_.begin(), updates_.end(), [](const DeviceUpdate &r) {
        return r.touched && (r.capabilities & CONDUIT_CAP_NEEDS_REBOOT);
    });
    if (!switchesOnReboot) return finish(outcome, f, flagged);
    // After a trial boot, such a device is set back to its previous slot
    // but runs the new software until the vehicle restarts: ask.
    const quint64 gen = generation_;
    gateway_->inventory([this, gen, f, outcome, flagged](const QList<DeviceRecord> &devices, const QString &) {
        if (gen != generation_) return;
        QStringList rebootNeeded;
        for (const DeviceUpdate &r : updates_) {
            if (!r.touched || !(r.capabilities & CONDUIT_CAP_NEEDS_REBOOT)) continue;
            auto d = std::find_if(devices.begin(), devices.end(),
                                  [&](const DeviceRecord &x) { return x.info.id == r.target.deviceId; });
            if (d != devices.end() && d->info.currentVersion == r.target.version &&
                d->info.updateState == agents::UpdateState::RolledBack)
                rebootNeeded << r.target.deviceId;
        }
        if (!rebootNeeded.isEmpty())
            qCWarning(lcCampaign).noquote()
                << "a reboot is needed: rolled back to the previous slot, still running the new software:"
                << rebootNeeded.join(QStringLiteral(", "));
        finish(outcome, f, flagged, rebootNeeded);
    });
}

} // namespace conduit::core
