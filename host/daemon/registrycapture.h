// The gathering service's CaptureAgents over the real agents: a device is
// found through the inventory (the agent that reports it), the capture is
// started with the data-capture extension's CaptureStart call, and the
// agents' frames are handed to the service.
#pragma once

#include "agents/agentregistry.h"
#include "core/devicegateway.h"
#include "gathering/service/capturecontrol.h"

#include <QObject>

namespace conduit::gathering {
class GatheringService;
}

namespace conduit::daemon {

class RegistryCapture : public QObject, public gathering::CaptureAgents {
    Q_OBJECT
public:
    RegistryCapture(agents::AgentRegistry *registry, core::DeviceGateway *devices, QObject *parent = nullptr);

    // Hands every agent's captureData/captureEnded to `service`.
    void feed(gathering::GatheringService *service);

    void start(const QString &deviceId, const QString &stream, const QString &paramsJson, Started done) override;
    void stop(const QString &agentId, const QString &stream) override;

private:
    agents::AgentRegistry *registry_;
    core::DeviceGateway *devices_;
};

} // namespace conduit::daemon
