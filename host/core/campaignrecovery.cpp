// Where the engine picks up after a restart (the journal decides: finish,
// undo or go on), and the history of finished campaigns. Split from
// campaignengine.cpp, same class.
#include "campaignengine.h"
#include "campaignlog.h"
#include "durablefile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>
#include <memory>

namespace conduit::core {

using agents::UpdateState;
using ipc::Op;

namespace {
using Step = Failure::Step;
using Kind = Failure::Kind;
} // namespace

void CampaignEngine::loadHistory() {
    if (config_.historyPath.isEmpty()) return;
    QFile f(config_.historyPath);
    if (!f.open(QIODevice::ReadOnly)) return;
    const QJsonArray entries = QJsonDocument::fromJson(f.readAll()).array();
    for (int i = 0; i < entries.size(); ++i) {
        QString error;
        if (std::optional<Result> r = Result::fromJson(entries[i].toObject(), &error))
            history_ << *r;
        else
            qCWarning(lcCampaign).noquote()
                << "history" << config_.historyPath << "entry" << i + 1 << "not read:" << error;
    }
}

bool CampaignEngine::saveHistory(QString *error) {
    if (config_.historyPath.isEmpty()) return true;
    QJsonArray a;
    for (const Result &r : history_) a << r.toJson();
    return replaceFileDurably(config_.historyPath, QJsonDocument(a).toJson(), error);
}

void CampaignEngine::recover() {
    const QList<QJsonObject> raw = journal_->records();
    // The last campaign's records start at its `start`; what is before it
    // is over.
    int start = -1;
    for (int i = 0; i < raw.size(); ++i)
        if (recordTypeFromName(raw[i].value(QLatin1String("type")).toString()) == RecordType::Start) start = i;
    QString error;
    if (start < 0) {
        if (raw.isEmpty()) return;
        qCWarning(lcCampaign).noquote() << "journal holds" << raw.size() << "record(s) of no campaign: dropped";
        if (!journal_->compact({}, &error)) qCWarning(lcCampaign).noquote() << error;
        return;
    }
    QList<JournalRecord> records;
    QList<PlannedUpdate> plan;
    for (int i = start; i < raw.size(); ++i) {
        auto r = JournalRecord::fromJson(raw[i]);
        if (!r)
            return refuseRecovery(
                raw[start], plan,
                QStringLiteral("record %1 of %2: %3").arg(i + 1).arg(raw.size()).arg(r.error().message));
        if (r->type == RecordType::Plan) plan = r->plan;
        records << *r;
    }
    auto finish = std::find_if(records.rbegin(), records.rend(),
                               [](const JournalRecord &r) { return r.type == RecordType::Finish; });
    if (finish != records.rend()) {
        // The power went after the result was journaled but perhaps before
        // it reached the history: the journal is the truth, copy it over,
        // and empty the journal only once the history holds it.
        const Result &r = finish->result;
        const bool known = std::any_of(history_.begin(), history_.end(), [&](const Result &h) {
            return h.campaignId == r.campaignId && h.finished == r.finished;
        });
        const bool kept = known || r.campaignId.isEmpty() || keepInHistory(r);
        if (!kept)
            qCCritical(lcCampaign).noquote() << "the journal keeps the last result until it is in the history";
        else if (!journal_->compact({}, &error))
            qCWarning(lcCampaign).noquote() << error;
        return;
    }
    campaign_ = records.first().campaign;
    ++generation_;
    updates_.clear();
    activationStarted_ = cancelRequested_ = rebooted_ = commitBegun_ = false;
    commitAttempts_ = 0;
    commitRetryTimer_.stop();
    // A commit left pending by an earlier life was reported then (its entry
    // names the commit step): it is retried, not reported again.
    pendingReported_ = std::any_of(history_.begin(), history_.end(), [this](const Result &h) {
        return h.campaignId == campaign_.id && h.failure.step == Step::Commit;
    });
    setState(State::Recovering);
    std::optional<RecordType> decision;
    Failure why; // of a rollback that was under way
    Outcome outcome = Outcome::RolledBack;
    for (const JournalRecord &r : records) {
        if (r.type == RecordType::RebootPending) rebooted_ = true; // we are after that reboot
        if (r.type == RecordType::ActivateBegin || r.type == RecordType::CommitBegin ||
            r.type == RecordType::RollbackBegin) {
            decision = r.type;
            why = r.failure;
            outcome = r.outcome;
        }
    }
    qCWarning(lcCampaign).noquote() << "recovering campaign" << campaign_.id << "after an interruption; last decision:"
                                    << (decision ? recordTypeName(*decision) : QStringLiteral("none"));
    if (plan.isEmpty())
        return this->finish(Outcome::Failed,
                            {Step::None,
                             Kind::Interrupted,
                             {},
                             QStringLiteral("interrupted by a power loss before any device was touched")});
    for (const PlannedUpdate &p : plan) {
        auto t = std::find_if(campaign_.targets.begin(), campaign_.targets.end(),
                              [&](const CampaignTarget &x) { return x.deviceId == p.device; });
        if (t == campaign_.targets.end()) continue;
        DeviceUpdate r;
        r.target = *t;
        r.target.phase = p.phase;
        r.agentId = p.agent;
        r.fromVersion = p.fromVersion;
        r.capabilities = p.capabilities;
        r.touched = true; // rollback is idempotent: undo wherever it may have reached
        r.progress.deviceId = p.device;
        r.progress.total = r.target.length;
        updates_ << r;
    }
    phaseOrder_ = phases();
    showPlannedPhases();
    phase_ = int(phaseOrder_.size());
    const quint64 gen = generation_;
    // Ask every agent where its devices are before repeating any step.
    gateway_->inventory([this, gen, decision, why, outcome](const QList<DeviceRecord> &devices, const QString &) {
        if (gen != generation_) return;
        for (const DeviceRecord &d : devices) recovered_.insert(d.info.id, d.info);
        if (decision == RecordType::RollbackBegin) return rollback(why, outcome);
        if (decision == RecordType::CommitBegin) {
            activationStarted_ = commitBegun_ = true;
            return commit();
        }
        if (decision == RecordType::ActivateBegin) {
            activationStarted_ = true;
            // After the reboot the devices run what they booted: verify
            // (a device that fell back fails it and everything rolls back).
            if (rebooted_) return verifyActivation();
            setState(State::Activating);
            return activate(0);
        }
        rollback({Step::None, Kind::Interrupted, {}, QStringLiteral("interrupted by a power loss before activation")},
                 Outcome::RolledBack);
    });
}

void CampaignEngine::refuseRecovery(const QJsonObject &startRecord, const QList<PlannedUpdate> &plan,
                                    const QString &why) {
    // A record this host cannot read may be any decision (a newer host's,
    // or damage the checksum did not catch): going on could activate what
    // was undone, undoing could roll back past the commit point. So the
    // devices are left as they are, every one of them flagged for service,
    // the campaign ends failed (reported, in the history), and the journal
    // is kept beside for the workshop before it is emptied.
    campaign_ = Campaign::fromJson(startRecord.value(QLatin1String("campaign")).toObject());
    ++generation_;
    updates_.clear();
    activationStarted_ = cancelRequested_ = rebooted_ = commitBegun_ = pendingReported_ = false;
    QStringList devices;
    for (const PlannedUpdate &p : plan) devices << p.device;
    if (devices.isEmpty())
        for (const CampaignTarget &t : campaign_.targets) devices << t.deviceId;
    const QString copy = journal_->path() + QStringLiteral(".unreadable-") +
                         QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMddTHHmmssZ"));
    const QString kept = QFile::copy(journal_->path(), copy)
                             ? QStringLiteral("journal kept as %1").arg(copy)
                             : QStringLiteral("the journal could not be kept as %1").arg(copy);
    Failure f{
        Step::Journal,
        Kind::HostError,
        {},
        QStringLiteral(
            "journal unreadable, %1; campaign %2 was neither resumed nor rolled back: its devices are left as they are "
            "and need service (%3)")
            .arg(why, campaign_.id, kept)};
    qCCritical(lcCampaign).noquote() << f.reason;
    finish(Outcome::Failed, f, devices);
}

bool CampaignEngine::alreadyDone(Op op, const DeviceUpdate &r) const {
    auto it = recovered_.find(r.target.deviceId);
    if (it == recovered_.end()) return false;
    const agents::DeviceInfo &d = *it;
    switch (op) {
    case Op::Activate: return d.currentVersion == r.target.version && d.updateState == UpdateState::Activated;
    case Op::Commit: return d.currentVersion == r.target.version && d.updateState == UpdateState::Idle;
    case Op::Rollback:
        return d.currentVersion == r.fromVersion &&
               (d.updateState == UpdateState::Idle || d.updateState == UpdateState::RolledBack);
    default: return false;
    }
}

} // namespace conduit::core
