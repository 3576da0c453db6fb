#include "checklifecycle.h"

#include <QCryptographicHash>
#include <QIODevice>
#include <QJsonDocument>

#include <array>

namespace conduit::daemon {

using agents::CallResult;
using agents::DeviceInfo;
using agents::UpdateState;
using ipc::Op;

namespace {

// A payload of `size` bytes made up as it is read (not held in memory):
// not one repeated byte, so a short or reordered copy changes its hash;
// `seed` makes each update's image differ.
class GeneratedPayload : public QIODevice {
public:
    GeneratedPayload(quint64 size, quint8 seed) : size_(qint64(size)), seed_(seed) { open(QIODevice::ReadOnly); }
    qint64 size() const override { return size_; }
    bool isSequential() const override { return false; }

protected:
    qint64 readData(char *data, qint64 max) override {
        const qint64 n = std::min(max, size_ - pos());
        for (qint64 i = 0; i < n; ++i) data[i] = char(quint8(((pos() + i) * 131) >> 7) ^ seed_);
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    qint64 size_;
    quint8 seed_;
};

QString sha256Of(QIODevice &payload) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&payload);
    payload.seek(0);
    return QString::fromLatin1(hash.result().toHex());
}

// What must hold once a step has returned.
enum class After { BeforeActivate, Activate, Commit, Rollback };

struct Step {
    Op op;
    int update; // index into updates_
    After after;
};
constexpr std::array kSteps{
    Step{Op::Transfer, 0, After::BeforeActivate}, Step{Op::PrepareInstall, 0, After::BeforeActivate},
    Step{Op::Install, 0, After::BeforeActivate},  Step{Op::PostInstall, 0, After::BeforeActivate},
    Step{Op::Activate, 0, After::Activate},       Step{Op::Commit, 0, After::Commit},
    Step{Op::Transfer, 1, After::BeforeActivate}, Step{Op::PrepareInstall, 1, After::BeforeActivate},
    Step{Op::Install, 1, After::BeforeActivate},  Step{Op::PostInstall, 1, After::BeforeActivate},
    Step{Op::Activate, 1, After::Activate},       Step{Op::Rollback, 1, After::Rollback},
};

// "1.0.0" → "1.0.0+lifecycle.1": a version no device runs yet.
QString lifecycleVersion(const QString &base, int n) {
    return QStringLiteral("%1%2lifecycle.%3")
        .arg(base, base.contains(u'+') ? QStringLiteral(".") : QStringLiteral("+"))
        .arg(n);
}

} // namespace

QString lifecycleRuleName(LifecycleRule rule) {
    switch (rule) {
    case LifecycleRule::StepSucceeds: return QStringLiteral("step-succeeds");
    case LifecycleRule::DeviceStays: return QStringLiteral("device-stays");
    case LifecycleRule::NothingActiveBeforeActivate: return QStringLiteral("nothing-active-before-activate");
    case LifecycleRule::VersionAfterActivate: return QStringLiteral("version-after-activate");
    case LifecycleRule::ActivatedAfterActivate: return QStringLiteral("activated-after-activate");
    case LifecycleRule::IdleAfterCommit: return QStringLiteral("idle-after-commit");
    case LifecycleRule::PreviousAfterRollback: return QStringLiteral("previous-after-rollback");
    }
    return QStringLiteral("unknown");
}

struct LifecycleRun::Update {
    QString version, fromVersion, targetName, sha256, customJson;
    quint8 seed;
};

LifecycleRun::LifecycleRun(agents::AgentProxy &agent, const DeviceInfo &device, LifecycleOptions options,
                           QObject *parent)
    : QObject(parent), agent_(agent), device_(device), options_(std::move(options)) {
    // A version the vendor's metadata names is the first update's.
    const QJsonValue named = options_.custom.value(QLatin1String("conduit")).toObject().value(QLatin1String("version"));
    const QString first = named.isString() ? named.toString() : lifecycleVersion(device_.currentVersion, 1);
    const QString second = lifecycleVersion(named.isString() ? first : device_.currentVersion, 2);
    QString from = device_.currentVersion;
    int counter = 0;
    for (const QString &version : {first, second}) {
        // Shaped like an Uptane image target's custom metadata, which is
        // what the agent gets from a real campaign.
        QJsonObject custom = options_.custom;
        if (custom.isEmpty())
            custom = {{QStringLiteral("hardware_ids"), QJsonArray{device_.hardwareId}},
                      {QStringLiteral("release_counter"), ++counter}};
        QJsonObject conduitPart = custom.value(QLatin1String("conduit")).toObject();
        conduitPart.insert(QStringLiteral("version"), version);
        custom.insert(QStringLiteral("conduit"), conduitPart);
        const auto seed = quint8(updates_.size() + 1);
        GeneratedPayload payload(options_.payloadSize, seed);
        updates_.push_back({version, from, QStringLiteral("%1-%2.bin").arg(device_.id, version), sha256Of(payload),
                            QString::fromUtf8(QJsonDocument(custom).toJson(QJsonDocument::Compact)), seed});
        from = version;
    }
}

LifecycleRun::~LifecycleRun() = default;

agents::UpdateSpec LifecycleRun::specOf(const Update &u) const {
    agents::UpdateSpec s;
    s.deviceId = device_.id;
    s.targetName = u.targetName;
    s.version = u.version;
    s.sha256 = u.sha256;
    s.customJson = u.customJson;
    s.length = options_.payloadSize;
    return s;
}

void LifecycleRun::start() { runStep(); }

void LifecycleRun::runStep() {
    if (step_ == kSteps.size()) return emit finished();
    const Step &s = kSteps[step_];
    const Update &u = updates_[size_t(s.update)];
    payload_.reset(s.op == Op::Transfer ? new GeneratedPayload(options_.payloadSize, u.seed) : nullptr);
    current_ = {{QStringLiteral("step"), QString::fromLatin1(ipc::opName(s.op))},
                {QStringLiteral("update"), s.update + 1},
                {QStringLiteral("version"), u.version}};
    clock_.start();
    auto *call = agent_.call(s.op, specOf(u), payload_.get());
    connect(call, &agents::AgentCall::finished, this, &LifecycleRun::afterCall);
}

void LifecycleRun::afterCall(const CallResult &r) {
    current_.insert(QStringLiteral("ms"), clock_.elapsed());
    current_.insert(QStringLiteral("result"),
                    r.runnerFailed ? QStringLiteral("runner-failed") : QString::fromStdString(ipc::resultName(r.code)));
    if (!r.message.isEmpty()) current_.insert(QStringLiteral("message"), r.message);
    if (!r.ok())
        return breakRule(LifecycleRule::StepSucceeds,
                         r.runnerFailed ? r.message
                                        : QStringLiteral("%1%2").arg(
                                              QString::fromStdString(ipc::resultText(r.code)),
                                              r.message.isEmpty() ? QString() : QStringLiteral(": ") + r.message));
    auto *inventory = agent_.call(Op::Inventory);
    connect(inventory, &agents::AgentCall::finished, this, &LifecycleRun::afterInventory);
}

void LifecycleRun::afterInventory(const CallResult &r) {
    const Step &s = kSteps[step_];
    const Update &u = updates_[size_t(s.update)];
    auto d = std::find_if(r.devices.begin(), r.devices.end(), [&](const DeviceInfo &x) { return x.id == device_.id; });
    if (!r.ok() || d == r.devices.end()) {
        const QString why = !r.ok() ? QStringLiteral("inventory failed: %1").arg(r.message)
                            : !r.refusedDevices.isEmpty()
                                ? r.refusedDevices.join(QStringLiteral("; "))
                                : QStringLiteral("device %1 is no longer in the inventory").arg(device_.id);
        return breakRule(LifecycleRule::DeviceStays, why);
    }
    const UpdateState state = d->updateState;
    current_.insert(QStringLiteral("update_state"), agents::updateStateName(state));
    current_.insert(QStringLiteral("current_version"), d->currentVersion);
    const QString seen =
        QStringLiteral("device %1 reports %2 on %3").arg(device_.id, agents::updateStateName(state), d->currentVersion);
    switch (s.after) {
    case After::BeforeActivate:
        if (d->currentVersion != u.fromVersion || (state != UpdateState::Idle && state != UpdateState::Staged))
            return breakRule(LifecycleRule::NothingActiveBeforeActivate,
                             QStringLiteral("%1, expected idle or staged on %2").arg(seen, u.fromVersion));
        break;
    case After::Activate:
        if (d->currentVersion != u.version)
            return breakRule(
                LifecycleRule::VersionAfterActivate,
                QStringLiteral("%1, expected current_version %2 (the update's conduit.version)").arg(seen, u.version));
        if (state != UpdateState::Activated)
            return breakRule(LifecycleRule::ActivatedAfterActivate, QStringLiteral("%1, expected activated").arg(seen));
        break;
    case After::Commit:
        if (state != UpdateState::Idle || d->currentVersion != u.version)
            return breakRule(LifecycleRule::IdleAfterCommit,
                             QStringLiteral("%1, expected idle on %2").arg(seen, u.version));
        break;
    case After::Rollback:
        if (d->currentVersion != u.fromVersion || (state != UpdateState::Idle && state != UpdateState::RolledBack))
            return breakRule(LifecycleRule::PreviousAfterRollback,
                             QStringLiteral("%1, expected idle or rolled-back on %2").arg(seen, u.fromVersion));
        break;
    }
    steps_ << current_;
    emit stepReported(QStringLiteral("%1 (update %2): %3, %4 ms, %5 on %6")
                          .arg(current_.value(QLatin1String("step")).toString())
                          .arg(s.update + 1)
                          .arg(current_.value(QLatin1String("result")).toString())
                          .arg(current_.value(QLatin1String("ms")).toInteger())
                          .arg(agents::updateStateName(state), d->currentVersion));
    ++step_;
    runStep();
}

void LifecycleRun::breakRule(LifecycleRule rule, const QString &why) {
    const Step &s = kSteps[step_];
    broken_ = rule;
    current_.insert(QStringLiteral("broken_rule"), lifecycleRuleName(rule));
    steps_ << current_;
    failure_ = QStringLiteral("%1 (update %2): %3: %4")
                   .arg(QString::fromLatin1(ipc::opName(s.op)))
                   .arg(s.update + 1)
                   .arg(lifecycleRuleName(rule), why);
    emit stepReported(failure_);
    emit finished();
}

QJsonObject LifecycleRun::report() const {
    QJsonObject o{{QStringLiteral("device"), device_.id},
                  {QStringLiteral("payload_bytes"), qint64(options_.payloadSize)},
                  {QStringLiteral("steps"), steps_},
                  {QStringLiteral("result"), passed() ? QStringLiteral("ok") : QStringLiteral("fail")}};
    if (broken_) {
        o.insert(QStringLiteral("failed_rule"), lifecycleRuleName(*broken_));
        o.insert(QStringLiteral("failure"), failure_);
    }
    return o;
}

} // namespace conduit::daemon
