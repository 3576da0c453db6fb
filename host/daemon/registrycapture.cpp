#include "registrycapture.h"

#include "gathering/service/gatheringservice.h"

namespace conduit::daemon {

RegistryCapture::RegistryCapture(agents::AgentRegistry *registry, core::DeviceGateway *devices, QObject *parent)
    : QObject(parent), registry_(registry), devices_(devices) {}

void RegistryCapture::feed(gathering::GatheringService *service) {
    for (agents::AgentProxy *a : registry_->agents()) {
        const QString id = a->manifest().id;
        connect(a, &agents::AgentProxy::captureData, service,
                [service, id](const QString &stream, const QByteArray &data, quint64 ts) {
                    service->onCaptureData(id, stream, data, ts);
                });
        connect(a, &agents::AgentProxy::captureEnded, service,
                [service, id](const QString &stream, int reason) { service->onCaptureEnded(id, stream, reason); });
        connect(a, &agents::AgentProxy::failed, service, [service, id] { service->onAgentGone(id); });
    }
}

void RegistryCapture::start(const QString &deviceId, const QString &stream, const QString &paramsJson, Started done) {
    devices_->inventory([this, deviceId, stream, paramsJson, done](const QList<core::DeviceRecord> &devices,
                                                                   const QString &invError) {
        auto it = std::find_if(devices.begin(), devices.end(), [&](const auto &d) { return d.info.id == deviceId; });
        agents::AgentProxy *agent = it == devices.end() ? nullptr : registry_->agent(it->agentId);
        if (!agent)
            return done({}, QStringLiteral("no agent reports device %1%2")
                                .arg(deviceId, invError.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(invError)));
        agents::UpdateSpec spec;
        spec.deviceId = deviceId;
        auto *call = agent->call(ipc::Op::CaptureStart, spec, nullptr, stream, paramsJson);
        const QString agentId = it->agentId;
        connect(call, &agents::AgentCall::finished, this, [agentId, stream, done](const agents::CallResult &r) {
            if (r.ok()) return done(agentId, {});
            done(agentId,
                 QStringLiteral("agent %1 did not start capture %2: %3")
                     .arg(agentId, stream, r.message.isEmpty() ? QStringLiteral("code %1").arg(r.code) : r.message));
        });
    });
}

void RegistryCapture::stop(const QString &agentId, const QString &stream) {
    if (agents::AgentProxy *agent = registry_->agent(agentId))
        if (agent->state() == agents::AgentProxy::State::Ready) agent->call(ipc::Op::CaptureStop, {}, nullptr, stream);
}

} // namespace conduit::daemon
