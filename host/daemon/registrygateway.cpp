#include "registrygateway.h"

#include "agents/agentlog.h"
#include "core/logfields.h"

#include <conduit/agent.h>

#include <QTimer>

#include <memory>

namespace conduit::daemon {

using agents::AgentCall;
using agents::AgentProxy;
using agents::CallResult;
using core::DeviceRecord;

RegistryGateway::RegistryGateway(agents::AgentRegistry *registry, int readyWaitMs, QObject *parent)
    : DeviceGateway(parent), registry_(registry), readyWaitMs_(readyWaitMs),
      ownership_(registry->config().deviceOwners) {
    for (const QString &p : ownership_.problems()) qCWarning(agents::lcAgent).noquote() << p;
}

void RegistryGateway::whenReady(AgentProxy *runner, Wait wait, std::function<void(bool)> then) {
    if (runner->state() == AgentProxy::State::Ready) return then(true);
    const bool failed = runner->state() == AgentProxy::State::Failed || runner->state() == AgentProxy::State::Stopped;
    if (failed && (runner->failurePermanent() || wait == Wait::ForStart)) return then(false);
    // Starting, or (Wait::ForRestart) failed and about to be restarted by
    // the registry.
    auto fired = std::make_shared<bool>(false);
    auto *ctx = new QObject(this);
    auto fire = [fired, ctx, then](bool ok) {
        if (*fired) return;
        *fired = true;
        ctx->deleteLater();
        then(ok);
    };
    connect(runner, &AgentProxy::ready, ctx, [fire] { fire(true); });
    connect(runner, &AgentProxy::failed, ctx, [runner, wait, fire] {
        if (runner->failurePermanent() || wait == Wait::ForStart) fire(false);
    });
    QTimer::singleShot(readyWaitMs_, ctx, [fire] { fire(false); });
}

void RegistryGateway::inventory(InventoryDone done) {
    auto run = [this, done] {
        const QList<AgentProxy *> runners = registry_->agents();
        struct Acc {
            QList<agents::DeviceReport> reports;
            QList<agents::RefusedDevice> refused;
            QStringList errors;
            int pending = 0;
        };
        auto acc = std::make_shared<Acc>();
        acc->pending = int(runners.size()) + 1;
        auto one = [this, acc, done] {
            if (--acc->pending == 0) admit(acc->reports, acc->refused, acc->errors, done);
        };
        // Only a start under way is waited for (it ends in ms), never a
        // restart: a crash-looping agent must not hold up its neighbours.
        for (AgentProxy *r : runners) {
            whenReady(r, Wait::ForStart, [this, r, acc, one](bool ready) {
                if (!ready) {
                    acc->errors << QStringLiteral("agent %1 not running: %2").arg(r->manifest().id, r->lastFailure());
                    return one();
                }
                AgentCall *c = r->call(ipc::Op::Inventory);
                connect(c, &AgentCall::finished, this, [r, acc, one](const CallResult &res) {
                    if (!res.ok())
                        acc->errors
                            << QStringLiteral("agent %1: inventory failed: %2").arg(r->manifest().id, res.message);
                    for (const agents::DeviceInfo &d : res.devices)
                        acc->reports << agents::DeviceReport{r->manifest().id, d};
                    for (const QString &why : res.refusedDevices)
                        acc->refused << agents::RefusedDevice{r->manifest().id, {}, why};
                    one();
                });
            });
        }
        one();
    };
    if (registry_->settled()) return run();
    auto *ctx = new QObject(this);
    connect(registry_, &agents::AgentRegistry::settledChanged, ctx, [this, ctx, run] {
        if (!registry_->settled()) return;
        ctx->deleteLater();
        run();
    });
}

void RegistryGateway::admit(const QList<agents::DeviceReport> &reports, QList<agents::RefusedDevice> refused,
                            QStringList errors, const InventoryDone &done) {
    const agents::DeviceOwnership::Admitted a = ownership_.admit(reports);
    refused << a.refused;
    for (const agents::RefusedDevice &r : a.refused) {
        const QString line = QStringLiteral("agent %1: %2").arg(r.agentId, r.reason);
        if (!logged_.contains(line)) qCWarning(agents::lcAgent).noquote() << "inventory entry refused:" << line;
        logged_.insert(line);
        errors << line;
    }
    refused_ = refused;
    QList<DeviceRecord> devices;
    for (const agents::DeviceReport &r : a.accepted) devices << DeviceRecord{r.agentId, r.info};
    done(devices, errors.join(QStringLiteral("; ")));
}

void RegistryGateway::call(ipc::Op op, const QString &agentId, const agents::UpdateSpec &update, QIODevice *payload,
                           CallDone done, Progress progress) {
    AgentProxy *r = registry_->agent(agentId);
    if (!r) {
        CallResult res;
        res.code = CONDUIT_E_NO_DEVICE;
        res.message = QStringLiteral("no agent %1 in this host").arg(agentId);
        QTimer::singleShot(0, this, [done, res] { done(res); });
        return;
    }
    // A step for a device goes only to the agent that owns it, whatever
    // the caller (or a forged inventory) says.
    if (const QString why = update.deviceId.isEmpty() ? QString() : ownership_.refusal(agentId, update.deviceId);
        !why.isEmpty()) {
        CallResult res;
        res.code = CONDUIT_E_NO_DEVICE;
        res.message = QStringLiteral("refused: %1").arg(why);
        qCWarning(agents::lcAgent).noquote() << "call" << ipc::opName(op) << "refused:" << why;
        QTimer::singleShot(0, this, [done, res] { done(res); });
        return;
    }
    // A step on a device is logged as it starts and as it ends, the lines
    // carrying the device and the step as their fields (core/logfields.h).
    const QString device = update.deviceId, step = QString::fromLatin1(ipc::opName(op));
    auto logStep = [device, step](const QString &agent, const CallResult *res) {
        if (device.isEmpty()) return;
        core::LogScope scope(device, step);
        if (!res)
            qCInfo(agents::lcAgent).noquote() << "device" << device << step << "on agent" << agent;
        else if (res->ok())
            qCInfo(agents::lcAgent).noquote() << "device" << device << step << "done";
        else
            qCWarning(agents::lcAgent).noquote() << "device" << device << step << "failed:" << res->message;
    };
    whenReady(r, Wait::ForRestart, [this, r, op, update, payload, done, progress, logStep](bool ready) {
        if (!ready) {
            CallResult res;
            res.code = CONDUIT_E_FAILED;
            res.runnerFailed = true;
            res.message = QStringLiteral("agent %1 not running: %2").arg(r->manifest().id, r->lastFailure());
            logStep(r->manifest().id, &res);
            return done(res);
        }
        logStep(r->manifest().id, nullptr);
        AgentCall *c = r->call(op, update, payload);
        active_ << QPointer<AgentCall>(c);
        if (progress)
            connect(c, &AgentCall::progress, this,
                    [progress](const QString &, quint64 d, quint64 t) { progress(d, t); });
        connect(c, &AgentCall::finished, this, [this, done, logStep, agent = r->manifest().id](const CallResult &res) {
            active_.removeIf([](const QPointer<AgentCall> &p) { return p.isNull(); });
            logStep(agent, &res);
            done(res);
        });
    });
}

void RegistryGateway::cancelAll() {
    for (const QPointer<AgentCall> &c : active_) {
        if (!c) continue;
        if (auto *r = qobject_cast<AgentProxy *>(c->parent())) r->cancel(c);
    }
}

} // namespace conduit::daemon
