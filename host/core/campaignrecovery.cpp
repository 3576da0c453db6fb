// Where the engine picks up after a restart (the journal decides: finish,
// undo or go on), and the history of finished campaigns. Split from
// campaignengine.cpp, same class.
#include "campaignengine.h"
#include "durablefile.h"

#include <conduit/agent.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMetaEnum>

#include <algorithm>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcCampaign)

namespace conduit::core {

using ipc::Op;

namespace {
using Step = Failure::Step;
using Kind = Failure::Kind;
} // namespace

CampaignEngine::Result CampaignEngine::resultFromJson(const QJsonObject &o) {
    auto text = [&o](const char *key) { return o.value(QLatin1String(key)).toString(); };
    Result r;
    r.campaignId = text("campaign");
    r.name = text("name");
    r.outcome = text("outcome");
    r.reason = text("reason");
    r.finished = QDateTime::fromString(text("finished"), Qt::ISODate);
    for (const QJsonValue &d : o.value(QLatin1String("flagged_devices")).toArray()) r.flaggedDevices << d.toString();
    // As written, not through Failure: history keeps what the host said.
    r.failedDevice = text("failed_device");
    r.failedStep = text("failed_step");
    r.failureKind = text("failure_kind");
    return r;
}

void CampaignEngine::loadHistory() {
    if (config_.historyPath.isEmpty()) return;
    QFile f(config_.historyPath);
    if (!f.open(QIODevice::ReadOnly)) return;
    for (const QJsonValue &v : QJsonDocument::fromJson(f.readAll()).array()) history_ << resultFromJson(v.toObject());
}

bool CampaignEngine::saveHistory(QString *error) {
    if (config_.historyPath.isEmpty()) return true;
    QJsonArray a;
    for (const Result &r : history_) a << r.toJson();
    return replaceFileDurably(config_.historyPath, QJsonDocument(a).toJson(), error);
}

namespace {
QString typeOf(const QJsonObject &r) { return r.value(QLatin1String("type")).toString(); }
} // namespace

void CampaignEngine::recover() {
    const QList<QJsonObject> records = journal_->records();
    int start = -1;
    for (int i = 0; i < records.size(); ++i)
        if (typeOf(records[i]) == QLatin1String("start")) start = i;
    QString error;
    bool finished = start < 0;
    for (int i = start + 1; !finished && i < records.size(); ++i) finished = typeOf(records[i]) == QLatin1String("finish");
    if (finished) {
        // The power went after the result was journaled but perhaps before
        // it reached the history: the journal is the truth, copy it over,
        // and empty the journal only once the history holds it.
        bool kept = true;
        for (int i = records.size() - 1; start >= 0 && i > start; --i) {
            if (typeOf(records[i]) != QLatin1String("finish")) continue;
            const Result r = resultFromJson(records[i].value(QLatin1String("result")).toObject());
            const bool known = std::any_of(history_.begin(), history_.end(), [&](const Result &h) {
                return h.campaignId == r.campaignId && h.finished == r.finished;
            });
            if (!known && !r.campaignId.isEmpty()) kept = keepInHistory(r);
            break;
        }
        if (!kept) qCCritical(lcCampaign).noquote() << "the journal keeps the last result until it is in the history";
        else if (!records.isEmpty() && !journal_->compact({}, &error)) qCWarning(lcCampaign).noquote() << error;
        return;
    }
    campaign_ = Campaign::fromJson(records[start].value(QLatin1String("campaign")).toObject());
    ++generation_;
    runs_.clear();
    activationStarted_ = cancelRequested_ = rebooted_ = commitBegun_ = false;
    commitAttempts_ = 0;
    commitRetryTimer_.stop();
    // A commit left pending by an earlier life was reported then (its entry
    // names the commit step): it is retried, not reported again.
    pendingReported_ = std::any_of(history_.begin(), history_.end(), [this](const Result &h) {
        return h.campaignId == campaign_.id && h.failedStep == Failure::stepName(Step::Commit);
    });
    setState(State::Recovering);
    QJsonArray plan;
    QString decision, outcome;
    Failure why; // of a rollback that was under way
    for (int i = start + 1; i < records.size(); ++i) {
        const QString t = typeOf(records[i]);
        if (t == QLatin1String("plan")) plan = records[i].value(QLatin1String("runs")).toArray();
        if (t == QLatin1String("reboot-pending")) rebooted_ = true; // we are after that reboot
        if (t == QLatin1String("activate-begin") || t == QLatin1String("commit-begin") || t == QLatin1String("rollback-begin")) {
            decision = t;
            why = Failure::fromJson(records[i]);
            outcome = records[i].value(QLatin1String("outcome")).toString();
        }
    }
    qCWarning(lcCampaign).noquote() << "recovering campaign" << campaign_.id << "after an interruption; last decision:"
                                    << (decision.isEmpty() ? QStringLiteral("none") : decision);
    if (plan.isEmpty())
        return finish(QStringLiteral("failed"), {Step::None, Kind::Interrupted, {}, QStringLiteral("interrupted by a power loss before any device was touched")});
    for (const QJsonValue &v : plan) {
        const QJsonObject o = v.toObject();
        const QString device = o.value(QLatin1String("device")).toString();
        auto t = std::find_if(campaign_.targets.begin(), campaign_.targets.end(), [&](const CampaignTarget &x) { return x.deviceId == device; });
        if (t == campaign_.targets.end()) continue;
        Run r;
        r.target = *t;
        r.target.phase = o.value(QLatin1String("phase")).toInt();
        r.agentId = o.value(QLatin1String("agent")).toString();
        r.fromVersion = o.value(QLatin1String("from")).toString();
        r.capabilities = quint32(o.value(QLatin1String("capabilities")).toInt());
        r.touched = true; // rollback is idempotent: undo wherever it may have reached
        r.progress.deviceId = device;
        r.progress.total = r.target.length;
        runs_ << r;
    }
    phaseOrder_ = phases();
    showPlannedPhases();
    phase_ = int(phaseOrder_.size());
    const quint64 gen = generation_;
    // Ask every agent where its devices are before repeating any step.
    gateway_->inventory([this, gen, decision, why, outcome](const QList<DeviceRecord> &devices, const QString &) {
        if (gen != generation_) return;
        for (const DeviceRecord &d : devices) recovered_.insert(d.info.id, d.info);
        if (decision == QLatin1String("rollback-begin")) return rollback(why, outcome.isEmpty() ? QStringLiteral("rolled-back") : outcome);
        if (decision == QLatin1String("commit-begin")) {
            activationStarted_ = commitBegun_ = true;
            return commit();
        }
        if (decision == QLatin1String("activate-begin")) {
            activationStarted_ = true;
            // After the reboot the devices run what they booted: verify
            // (a device that fell back fails it and everything rolls back).
            if (rebooted_) return verifyActivation();
            setState(State::Activating);
            return activate(0);
        }
        rollback({Step::None, Kind::Interrupted, {}, QStringLiteral("interrupted by a power loss before activation")}, QStringLiteral("rolled-back"));
    });
}

bool CampaignEngine::alreadyDone(Op op, const Run &r) const {
    auto it = recovered_.find(r.target.deviceId);
    if (it == recovered_.end()) return false;
    const agents::DeviceInfo &d = *it;
    switch (op) {
    case Op::Activate:
        return d.currentVersion == r.target.version && d.updateState == QLatin1String("activated");
    case Op::Commit:
        return d.currentVersion == r.target.version && d.updateState == QLatin1String("idle");
    case Op::Rollback:
        return d.currentVersion == r.fromVersion &&
               (d.updateState == QLatin1String("idle") || d.updateState == QLatin1String("rolled-back"));
    default:
        return false;
    }
}

} // namespace conduit::core
