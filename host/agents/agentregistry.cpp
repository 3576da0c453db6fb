#include "agentregistry.h"

#include "agentlog.h"

#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>

namespace conduit::agents {

QString agentConfigJson(const RegistryConfig &config, const QString &agentId, QString *problem) {
    if (config.agentConfigDir.isEmpty() || agentId.isEmpty()) return QStringLiteral("{}");
    QFile f(QDir(config.agentConfigDir).filePath(agentId + QLatin1String(".json")));
    if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("{}");
    const QByteArray bytes = f.readAll();
    QJsonParseError pe;
    if (!QJsonDocument::fromJson(bytes, &pe).isObject()) {
        *problem =
            QStringLiteral("%1: not a JSON object (%2); agent %3 gets {}").arg(f.fileName(), pe.errorString(), agentId);
        return QStringLiteral("{}");
    }
    return QString::fromUtf8(bytes);
}

AgentRegistry::AgentRegistry(RegistryConfig config, QObject *parent) : QObject(parent), config_(std::move(config)) {}

QStringList AgentRegistry::start() {
    QStringList problems;
    const QList<AgentManifest> manifests = AgentManifest::discover(config_.agentDirs, &problems);
    if (!sandboxReady(&problems)) return problems;
    QStringList ids;
    for (const AgentManifest &m : manifests) ids << m.id;
    ids.sort();
    for (const AgentManifest &m : manifests) {
        QString problem;
        const QString configJson = agentConfigJson(config_, m.id, &problem);
        if (!problem.isEmpty()) problems << problem;
        const QString stateDir = QDir(config_.stateDir).filePath(QStringLiteral("agents/") + m.id);
        QDir().mkpath(stateDir);
        RunnerProcess::Spec spec{config_.runnerPath, m.library, config_.limits.memoryLimit, config_.inProcess, {}};
        if (!config_.inProcess)
            spec.sandboxArgs = sandboxArguments(config_.sandbox, m.needs, m.id,
                                                config_.sandbox.uidBase + quint32(ids.indexOf(m.id)), stateDir);
        auto *r = new AgentProxy(m, spec, config_.limits, configJson, stateDir, this);
        runners_ << r;
        connect(r, &AgentProxy::ready, this, [this, r] {
            readyAt_[r->manifest().id] = QDateTime::currentMSecsSinceEpoch();
            emit agentReady(r->manifest().id);
            emit settledChanged();
        });
        connect(r, &AgentProxy::failed, this, [this, r](const QString &reason) { onFailed(r, reason); });
        connect(r, &AgentProxy::log, this, [r](int level, const QString &msg) {
            // Marked with the agent's id (from its manifest); `msg` comes
            // escaped (AgentProxy::log), so it cannot start a line of its own.
            const QString line = QStringLiteral("agent %1: %2").arg(r->manifest().id, msg);
            switch (level) {
            case 0: qCDebug(lcAgent).noquote() << line; break;
            case 1: qCInfo(lcAgent).noquote() << line; break;
            case 2: qCWarning(lcAgent).noquote() << line; break;
            default: qCCritical(lcAgent).noquote() << line; break;
            }
        });
        r->start();
    }
    QStringList undeclared;
    for (const AgentManifest &m : manifests)
        if (!config_.deviceOwners.contains(m.id)) undeclared << m.id;
    if (manifests.size() > 1 && !undeclared.isEmpty())
        qCWarning(lcAgent).noquote() << "agents without declared devices in [agent-devices]:"
                                     << undeclared.join(QStringLiteral(", "))
                                     << "- each claims the devices it reports first; declare them so that no agent "
                                        "can take over another's device";
    for (auto it = config_.deviceOwners.begin(); it != config_.deviceOwners.end(); ++it)
        if (std::none_of(manifests.begin(), manifests.end(), [&](const AgentManifest &m) { return m.id == it.key(); }))
            problems << QStringLiteral("[agent-devices] names agent %1, which has no manifest").arg(it.key());
    return problems;
}

bool AgentRegistry::sandboxReady(QStringList *problems) const {
    if (config_.inProcess) {
        qCWarning(lcAgent) << "agents run unsandboxed inside conduitd (in-process debug mode)";
        return true;
    }
    if (!config_.sandbox.enabled()) {
        qCWarning(lcAgent) << "agents run unsandboxed, with conduitd's privileges ([agents] sandbox = off, or "
                              "conduitd is not root)";
        return true;
    }
    const SandboxSupport &s = SandboxSupport::probe();
    if (s.missing.isEmpty()) {
        qCInfo(lcAgent).noquote() << QStringLiteral("agents run sandboxed: uids from %1, Landlock ABI %2, seccomp")
                                         .arg(config_.sandbox.uidBase)
                                         .arg(s.landlockAbi);
        return true;
    }
    const QString missing = s.missing.join(QStringLiteral("; "));
    if (config_.sandbox.required) {
        *problems << QStringLiteral("[agents] require_sandbox is set, but this kernel lacks: %1; no agent is started")
                         .arg(missing);
        return false;
    }
    qCWarning(lcAgent).noquote() << "agents run sandboxed, but this kernel lacks:" << missing;
    return true;
}

void AgentRegistry::stop(int graceMs) {
    // Every runner gets Shutdown at once and runs its plugin's destroy() and
    // deinit(); the host waits for them (bounded by the grace, after which
    // each is killed) so that they are not cut off by PR_SET_PDEATHSIG when
    // conduitd exits right after.
    QEventLoop loop;
    int running = 0;
    for (AgentProxy *r : runners_) {
        if (!r->running()) continue;
        ++running;
        connect(r, &AgentProxy::stopped, &loop, [&] {
            if (--running == 0) loop.quit();
        });
        r->stop(graceMs);
    }
    if (running == 0) return;
    QTimer::singleShot(graceMs + 1000, &loop, &QEventLoop::quit); // the kill itself is bounded too
    loop.exec();
    if (running > 0) qCWarning(lcAgent) << running << "agent runner(s) did not stop within" << graceMs + 1000 << "ms";
}

AgentProxy *AgentRegistry::agent(const QString &id) const {
    for (AgentProxy *r : runners_)
        if (r->manifest().id == id) return r;
    return nullptr;
}

AgentProxy *AgentRegistry::agentForDeviceType(const QString &type) const {
    for (AgentProxy *r : runners_)
        if (r->manifest().deviceTypes.contains(type)) return r;
    return nullptr;
}

bool AgentRegistry::settled() const {
    for (AgentProxy *r : runners_)
        if (r->state() != AgentProxy::State::Ready && !failedOnce_.value(r->manifest().id)) return false;
    return true;
}

void AgentRegistry::onFailed(AgentProxy *r, const QString &reason) {
    const QString id = r->manifest().id;
    failedOnce_[id] = true;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (readyAt_.contains(id) && now - readyAt_.value(id) >= config_.stableAfterMs) backoffStep_[id] = 0;
    const bool restart = !r->failurePermanent();
    emit agentFailed(id, reason, restart);
    emit settledChanged();
    if (!restart) {
        qCWarning(lcAgent).noquote() << id << "will not be restarted:" << reason;
        return;
    }
    const int step = backoffStep_.value(id);
    backoffStep_[id] = std::min(step + 1, 20);
    qint64 delay = std::min<qint64>(qint64(config_.restartBackoffMs) << step, config_.restartBackoffMaxMs);
    // Jitter (±20%) so that agents failing together do not restart together.
    delay += QRandomGenerator::global()->bounded(int(delay / 5 + 1)) - delay / 10;
    qCInfo(lcAgent).noquote() << id << "restarting in" << delay << "ms";
    QTimer::singleShot(std::max<qint64>(delay, 0), this, [this, r, id] {
        restarts_[id] += 1;
        r->start();
    });
}

} // namespace conduit::agents
