// `conduitd --check-agent --lifecycle`: after the checks, one device goes
// through a whole update and a second, abandoned one, the way the campaign
// engine drives it, with a generated payload and no signed repository:
//
//   update 1: transfer → prepare_install → install → post_install → activate → commit
//   update 2: transfer → prepare_install → install → post_install → activate → rollback
//
// After every step the run asks inventory() and checks the rules of the ABI
// that the host relies on (docs/plugin-abi.md, "Update states"): nothing
// active before activate(), the update's version and `activated` after it,
// `idle` on the new version after commit(), the previous version (idle or
// rolled-back) after rollback(). The first step that fails or breaks a rule
// ends the run, naming the rule.
#pragma once

#include "agents/agentproxy.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#include <memory>
#include <optional>

class QIODevice;

namespace conduit::daemon {

// A rule of the ABI the run checks; named only in its report.
enum class LifecycleRule {
    StepSucceeds,                // the call returns CONDUIT_OK
    DeviceStays,                 // the device is still in the inventory
    NothingActiveBeforeActivate, // old version, idle or staged
    VersionAfterActivate,        // current_version is the update's version
    ActivatedAfterActivate,      // update_state is activated
    IdleAfterCommit,             // idle, on the update's version
    PreviousAfterRollback,       // the version before the update, idle or rolled-back
};
QString lifecycleRuleName(LifecycleRule rule);

struct LifecycleOptions {
    QString deviceId; // empty: the first device of the inventory
    quint64 payloadSize = 1u << 20;
    QJsonObject custom; // the image target's custom metadata; empty: generated
};

class LifecycleRun : public QObject {
    Q_OBJECT
public:
    LifecycleRun(agents::AgentProxy &agent, const agents::DeviceInfo &device, LifecycleOptions options,
                 QObject *parent = nullptr);
    ~LifecycleRun() override;

    void start();
    bool passed() const { return !broken_; }
    // "after activate (update 1): version-after-activate: ..."; empty when passed.
    QString failure() const { return failure_; }
    // {"device", "payload_bytes", "steps": [...], "result", "failed_rule", "failure"}
    QJsonObject report() const;

signals:
    // One line per step as it finishes, for a person watching.
    void stepReported(const QString &line);
    void finished();

private:
    struct Update;
    void runStep();
    void afterCall(const agents::CallResult &r);
    void afterInventory(const agents::CallResult &r);
    void breakRule(LifecycleRule rule, const QString &why);
    agents::UpdateSpec specOf(const Update &u) const;

    agents::AgentProxy &agent_;
    agents::DeviceInfo device_;
    LifecycleOptions options_;
    std::vector<Update> updates_;
    std::unique_ptr<QIODevice> payload_;
    size_t step_ = 0;
    QElapsedTimer clock_;
    QJsonObject current_; // the step being reported
    QJsonArray steps_;
    std::optional<LifecycleRule> broken_;
    QString failure_;
};

} // namespace conduit::daemon
