// AgentProxy: the host's stand-in for one agent, whose plugin runs in a
// runner (RunnerProcess: its own process, or a thread for debugging). It
// starts the runner, sends lifecycle calls one at a time, streams payloads
// with credit-based backpressure, and supervises it (deadlines, memory,
// protocol). Everything the runner sends is untrusted and checked; any
// violation kills the runner with a clear reason.
#pragma once

#include "agentlogbudget.h"
#include "agentmanifest.h"
#include "device.h"
#include "ipc/messages.h"
#include "runnerprocess.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <deque>

class QIODevice;

namespace conduit::agents {

class AgentChannel;

struct AgentInfo {
    QString agentId, agentVersion;
    int abiMajor = 0, abiMinor = 0, abiPatch = 0, negotiatedMinor = 0, hostMinor = 0;
    QStringList deviceTypes;
    qint64 pid = 0;
};

struct RunnerLimits {
    int initTimeoutMs = 5000;
    int callTimeoutMs = 10000;             // inventory, consent, query, capture
    int installTimeoutMs = 30 * 60 * 1000; // install steps, rollback
    int stallTimeoutMs = 30000;            // transfer without any credit
    quint64 memoryLimit = 256ull << 20;
    int memoryPollBusyMs = 100;
    int memoryPollIdleMs = 1000;
    quint64 creditWindow = 8ull << 20;
};

// One call in flight or queued. Owned by the AgentProxy; deleted after
// finished() was emitted (use QPointer or connect to finished only).
class AgentCall : public QObject {
    Q_OBJECT
public:
    ipc::Op op() const { return op_; }
    const CallResult &result() const { return result_; }
signals:
    void progress(const QString &deviceId, quint64 done, quint64 total);
    void status(const QString &deviceId, const QString &message);
    void finished(const conduit::agents::CallResult &result);

private:
    friend class AgentProxy;
    AgentCall(ipc::Op op, QObject *parent) : QObject(parent), op_(op) {}
    ipc::Op op_;
    uint32_t request_ = 0;
    ipc::msg::Call call_;
    QPointer<QIODevice> payload_;
    quint64 sent_ = 0, credited_ = 0;
    bool payloadEnded_ = false;
    CallResult result_;
    QHash<QString, QString> inventoryStatus_; // Inventory: device id -> its last status line
};

class AgentProxy : public QObject {
    Q_OBJECT
public:
    enum class State { Stopped, Starting, Ready, Failed };
    Q_ENUM(State)

    AgentProxy(AgentManifest manifest, RunnerProcess::Spec spec, RunnerLimits limits, QString configJson,
               QString stateDir, QObject *parent = nullptr);
    ~AgentProxy() override;

    void start();
    // Its runner gets a compartment (runner/sandbox.h).
    bool sandboxed() const { return !spec_.sandboxArgs.isEmpty(); }
    // Graceful stop: Shutdown (the plugin's destroy() and deinit() run),
    // then SIGKILL after a grace period. stopped() follows either way.
    void stop(int graceMs = 2000);

    // Queues a call. `payload` (Transfer only) must deliver exactly
    // update.length bytes; the runner reads it as the agent consumes it.
    AgentCall *call(ipc::Op op, const UpdateSpec &update = {}, QIODevice *payload = nullptr, const QString &name = {},
                    const QString &params = {});
    void cancel(AgentCall *call);

    State state() const { return state_; }
    const AgentManifest &manifest() const { return manifest_; }
    const AgentInfo &info() const { return info_; }
    QString lastFailure() const { return lastFailure_; }
    // True when the failure was a load failure that a restart cannot fix
    // (not a shared object, ABI mismatch, init refused).
    bool failurePermanent() const { return permanent_; }
    qint64 pid() const { return process_ ? process_->pid() : -1; }
    bool running() const { return process_ && process_->running(); }
    quint64 peakRss() const { return peakRss_; }
    qint64 startLatencyMs() const { return startLatencyMs_; }

signals:
    void ready();
    // The runner is gone; every queued call has finished with runnerFailed.
    void failed(const QString &reason);
    // The runner exited after stop() (gracefully or killed at the grace).
    void stopped();
    // What the agent logged or printed (stdout/stderr, "[output] ..."),
    // control characters escaped, within its budget (AgentLogBudget); a
    // "[host] N lines ... dropped" line sums up what was over it.
    void log(int level, const QString &message);
    void captureData(const QString &stream, const QByteArray &data, quint64 timestampNs);
    void captureEnded(const QString &stream, int reason);

private:
    void onFrame(const ipc::FrameReader::Frame &frame);
    void onHello(const ipc::msg::Hello &h);
    void onResult(AgentCall *c, const ipc::msg::Result &r);
    void onDevice(AgentCall *c, const ipc::msg::Device &m);
    void keepStatus(AgentCall *c, const QString &deviceId, const QString &text);
    void agentLog(int level, const QString &text);
    void reportDroppedLog();
    void violation(const QString &what);
    // Why the host killed (or stopped) the runner: decides what its exit
    // means (onExited) and whether the active call timed out.
    enum class KillCause { None, Stopped, Hung, ProtocolViolation, LoadFailed, MemoryLimit };
    void killWith(KillCause cause, const QString &reason);
    void onExited(const QString &description, bool crashed);
    void dispatchNext();
    void pumpPayload();
    void pumpPayloadData();
    void updateStallDeadline(bool progressed);
    void armDeadline();
    void pollMemory();
    void finishCall(AgentCall *c);
    void failAll(const QString &reason);
    QString stagingDir();

    AgentManifest manifest_;
    RunnerProcess::Spec spec_;
    RunnerLimits limits_;
    QString configJson_, stateDir_, stagingDir_;
    State state_ = State::Stopped;
    RunnerProcess *process_ = nullptr;
    AgentChannel *channel_ = nullptr;
    AgentInfo info_;
    std::deque<AgentCall *> queue_;
    AgentCall *active_ = nullptr;
    uint32_t nextRequest_ = 1;
    QTimer deadline_;
    QTimer memoryTimer_;
    QTimer killTimer_;
    QTimer logDropTimer_;
    AgentLogBudget logBudget_;
    QElapsedTimer startClock_;
    KillCause killCause_ = KillCause::None;
    QString killReason_;
    bool killedForTime_ = false; // the deadline killed it during a call: that call timed out
    QString lastFailure_;
    bool permanent_ = false;
    quint64 peakRss_ = 0;
    qint64 startLatencyMs_ = -1;
    int devicesInCall_ = 0;
};

} // namespace conduit::agents
