// All agents of this host: discovered from manifests, one runner each,
// restarted with exponential backoff when they fail (unless the failure is a
// load failure that a restart cannot fix).
#pragma once

#include "agentproxy.h"
#include "agentsandbox.h"

#include <QHash>
#include <QObject>

#include <functional>

namespace conduit::agents {

struct RegistryConfig {
    QStringList agentDirs;  // manifest drop-in directories
    QString agentConfigDir; // <id>.json agent configuration, optional
    QString stateDir;       // <stateDir>/agents/<id>/ per agent
    QString runnerPath;
    bool inProcess = false;
    RunnerLimits limits;
    int restartBackoffMs = 200;
    int restartBackoffMaxMs = 30000;
    int stableAfterMs = 60000; // a runner up this long resets the backoff
    // Agent id → the device ids (or globs) it serves ([agent-devices];
    // deviceownership.h has the rule for agents without an entry).
    QHash<QString, QStringList> deviceOwners;
    SandboxConfig sandbox; // [agents] sandbox, require_sandbox, sandbox_uid_base; [agent-paths]
};

// The agent's section of the host configuration: <agentConfigDir>/<id>.json
// as JSON object text, "{}" when there is none; a file that is not a JSON
// object gives "{}" and a one-line `problem`.
QString agentConfigJson(const RegistryConfig &config, const QString &agentId, QString *problem);

class AgentRegistry : public QObject {
    Q_OBJECT
public:
    explicit AgentRegistry(RegistryConfig config, QObject *parent = nullptr);

    // Discovers manifests and starts a runner for each. Problems with single
    // manifests are returned, one line each; they do not stop the others.
    QStringList start();
    // Stops every runner gracefully and returns once all have exited (each
    // killed after `graceMs` at the latest).
    void stop(int graceMs = 2000);

    const RegistryConfig &config() const { return config_; }
    QList<AgentProxy *> agents() const { return runners_; }
    AgentProxy *agent(const QString &id) const;
    AgentProxy *agentForDeviceType(const QString &type) const;
    // True once every agent is Ready or has failed at least once.
    bool settled() const;
    int restarts(const QString &id) const { return restarts_.value(id); }

signals:
    void agentReady(const QString &id);
    void agentFailed(const QString &id, const QString &reason, bool willRestart);
    void settledChanged();

private:
    void onFailed(AgentProxy *r, const QString &reason);
    // Says once how agents are confined; false (with a problem) when the
    // sandbox is required and this kernel cannot give all of it.
    bool sandboxReady(QStringList *problems) const;

    RegistryConfig config_;
    QList<AgentProxy *> runners_;
    QHash<QString, int> restarts_;
    QHash<QString, int> backoffStep_;
    QHash<QString, qint64> readyAt_;
    QHash<QString, bool> failedOnce_;
};

} // namespace conduit::agents
