// The DeviceGateway over the real agents (AgentRegistry's runners): the
// adapter between the campaign engine and the agents, assembled by the
// daemon so that neither of them knows the other.
#pragma once

#include "agents/agentregistry.h"
#include "agents/deviceownership.h"
#include "core/devicegateway.h"

#include <QPointer>
#include <QSet>

namespace conduit::daemon {

class RegistryGateway : public core::DeviceGateway {
    Q_OBJECT
public:
    // `readyWaitMs`: how long a call waits for an agent that is (re)starting.
    // An inventory waits only for a start already under way, never for a
    // failed agent's restart: it answers for the agents that are up.
    explicit RegistryGateway(agents::AgentRegistry *registry, int readyWaitMs = 15000, QObject *parent = nullptr);

    void inventory(InventoryDone done) override;
    void call(ipc::Op op, const QString &agentId, const agents::UpdateSpec &update, QIODevice *payload, CallDone done,
              Progress progress = {}) override;
    void cancelAll() override;
    QList<agents::RefusedDevice> refusedDevices() const override { return refused_; }

private:
    // ForStart: until a start under way ends. ForRestart: also while a
    // failed agent awaits its restart. Bounded by readyWaitMs either way.
    enum class Wait { ForStart, ForRestart };
    void whenReady(agents::AgentProxy *runner, Wait wait, std::function<void(bool ready)> then);
    // The end of an inventory round: ownership decides what the engine sees.
    void admit(const QList<agents::DeviceReport> &reports, QList<agents::RefusedDevice> refused, QStringList errors,
               const InventoryDone &done);

    agents::AgentRegistry *registry_;
    int readyWaitMs_;
    QList<QPointer<agents::AgentCall>> active_;
    // Every inventory entry passes through it; every call on a device is
    // checked against it (agents/deviceownership.h).
    agents::DeviceOwnership ownership_;
    QList<agents::RefusedDevice> refused_; // the last inventory's
    QSet<QString> logged_;                 // refusals are logged once
};

} // namespace conduit::daemon
