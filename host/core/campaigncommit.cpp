// How a campaign ends: the commit (and a commit that cannot be made durable,
// which stays pending), the result, and its way into the history without a
// moment where neither the journal nor the history holds it. Split from
// campaignengine.cpp, same class (docs/campaign-engine.md).
#include "campaignengine.h"
#include "campaignengine_p.h"
#include "campaignlog.h"
#include "logfields.h"

#include <QLoggingCategory>

namespace conduit::core {

using ipc::Op;

namespace {

CampaignEngine::State terminalState(Outcome outcome) {
    using State = CampaignEngine::State;
    switch (outcome) {
    case Outcome::Success: return State::Done;
    case Outcome::RolledBack:
    case Outcome::Declined: return State::RolledBack;
    case Outcome::Cancelled: return State::Cancelled;
    case Outcome::Failed: break;
    }
    return State::Failed;
}

} // namespace

void CampaignEngine::commit() {
    setState(State::Committing);
    // The commit point: without it durable nothing is confirmed (and nothing
    // rolled back either: the devices run the verified new version).
    if (!commitBegun_ && !journal(JournalRecord::marker(RecordType::CommitBegin), true))
        return commitPending(journalFailure());
    commitBegun_ = true;
    QList<DeviceUpdate *> all;
    for (DeviceUpdate &r : updates_) all << &r;
    const quint64 gen = generation_;
    stepAll(
        Op::Commit, all,
        [this, gen](const Failure &failure) {
            if (gen != generation_) return;
            for (DeviceUpdate &r : updates_) r.confirmed |= r.progress.error.isEmpty();
            // Past the commit point there is no going back: a device that does
            // not confirm is reported and flagged, never hidden, and retried.
            if (!failure.isEmpty()) return commitPending(failure);
            finish(Outcome::Success, {});
        },
        [](const DeviceUpdate &r) { return r.confirmed; });
}

void CampaignEngine::commitPending(const Failure &why) {
    QStringList flagged;
    for (const DeviceUpdate &r : updates_)
        if (!r.confirmed) flagged << r.target.deviceId;
    setState(State::CommitPending);
    const int attempt = ++commitAttempts_;
    const bool retry = attempt <= config_.commitRetryMs.size();
    qCCritical(lcCampaign).noquote()
        << "commit pending on" << flagged.join(QStringLiteral(", ")) << "(attempt" << attempt << "):" << why.reason
        << (retry ? QStringLiteral("- retried in %1 ms").arg(config_.commitRetryMs[attempt - 1])
                  : QStringLiteral("- retried at the next start"));
    // Best effort on a full disk: commit-begin (or activate-begin) already
    // makes the next start commit the rest; the journal is never compacted
    // while a commit is pending.
    journal(JournalRecord::commitPending(flagged, attempt, why), true);
    if (retry) return commitRetryTimer_.start(config_.commitRetryMs[attempt - 1]);
    if (pendingReported_) return; // an earlier life of the host reported it
    pendingReported_ = true;
    Failure f = why;
    f.reason = QStringLiteral("%1; commit pending on %2: retried at the next start")
                   .arg(why.reason, flagged.join(QStringLiteral(", ")));
    const Result r = resultOf(Outcome::Failed, f, flagged);
    keepInHistory(r);
    // The engine stays in CommitPending: its devices are on trial, so no
    // other campaign starts before the commit is made.
    emit finished(r);
}

CampaignEngine::Result CampaignEngine::resultOf(Outcome outcome, const Failure &why, const QStringList &flagged) const {
    Result r;
    r.campaignId = campaign_.id;
    r.name = campaign_.name;
    r.outcome = outcome;
    r.failure = why;
    r.finished = QDateTime::currentDateTimeUtc();
    r.flaggedDevices = flagged;
    return r;
}

bool CampaignEngine::keepInHistory(const Result &r) {
    history_.prepend(r);
    while (history_.size() > config_.historySize) history_.removeLast();
    QString error;
    if (saveHistory(&error)) return true;
    qCCritical(lcCampaign).noquote() << "campaign" << r.campaignId << "result not written to the history:" << error;
    return false;
}

void CampaignEngine::finish(Outcome outcome, const Failure &why, const QStringList &flagged,
                            const QStringList &rebootNeeded) {
    Result r = resultOf(outcome, why, flagged);
    r.rebootNeeded = rebootNeeded;
    // At every instant the journal or the history holds the result: it is
    // journaled, then written to the history, and only then is the journal
    // emptied. (Should neither write succeed, the journal still holds the
    // decisions that lead to it: the next start finishes the same way.)
    journal(JournalRecord::finish(r), true);
    const bool kept = keepInHistory(r);
    crashPoint("after-history");
    QString error;
    if (!kept)
        qCCritical(lcCampaign).noquote() << "the journal keeps campaign" << r.campaignId
                                         << "until its result is in the history";
    else if (!journal_->compact({}, &error))
        qCWarning(lcCampaign).noquote() << error;
    setState(terminalState(outcome));
    qCInfo(lcCampaign).noquote() << "campaign" << r.campaignId << "finished:" << outcomeName(outcome)
                                 << r.failure.reason;
    emit finished(r);
    ++generation_;
    state_ = State::Idle; // terminal states are reported, then the engine is free
    setLogCampaign({});
    emit stateChanged(state_);
    QTimer::singleShot(0, this, &CampaignEngine::startNext);
}

} // namespace conduit::core
