// The data-capture extension seen from data gathering: the interfaces the
// campaigns part calls (start and stop a capture; the recent frames of a
// stream for an incident bundle) and the one conduitd implements over its
// agents (CaptureAgents). docs/data-gathering.md, "Service, privacy and
// control".
#pragma once

#include "gathering/item.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>

namespace conduit::gathering {

// What a capture collects, as the campaign that asks for it says. Its frames
// become items of `kind`, `dataClass` and `priority` for `campaignId`.
struct CaptureRequest {
    QString deviceId;                          // the device whose agent streams
    QString stream;                            // the agent's stream id, e.g. "front-camera"
    QString paramsJson = QStringLiteral("{}"); // handed to the agent's start() as is
    QString campaignId;                        // required: every item belongs to a campaign
    ItemKind kind = ItemKind::Blob;
    DataClass dataClass = DataClass::Telemetry;
    Priority priority = Priority::Normal;
    qint64 retentionMs = 0; // 0: the store's default
};

// One frame of a stream as the agent stamped it.
struct CapturedFrame {
    qint64 timestampNs = 0; // capture time, ns since the Unix epoch (the agent's clock)
    QByteArray data;
};

// [service-thread] Started by campaigns (host/gathering/campaign/).
class CaptureControl {
public:
    using Done = std::function<void(const QString &error)>; // "" when started
    virtual ~CaptureControl() = default;
    // Starts a capture; refused (done gets why) when the request's data
    // class is refused by the driver, the device is unknown or its agent
    // has no data-capture extension.
    virtual void startCapture(const CaptureRequest &request, Done done) = 0;
    // Stops it; what was batched is stored first.
    virtual void stopCapture(const QString &deviceId, const QString &stream) = 0;
};

// [service-thread] For incident bundles: frames of a stream still held in
// its recent window (bounded per stream, gathering/capture_window_*), with
// t0 <= timestamp <= t1 (ns since the epoch), oldest first. Empty when the
// stream is unknown or its class refused (nothing of it is kept).
class CaptureWindow {
public:
    virtual ~CaptureWindow() = default;
    virtual QList<CapturedFrame> capturedBetween(const QString &deviceId, const QString &stream, qint64 t0Ns,
                                                 qint64 t1Ns) const = 0;
};

// [service-thread] What the service needs from the agents; conduitd
// implements it over its AgentRegistry. `agentId` names the agent whose
// captureData/captureEnded signals carry the stream's frames.
class CaptureAgents {
public:
    using Started = std::function<void(const QString &agentId, const QString &error)>;
    virtual ~CaptureAgents() = default;
    virtual void start(const QString &deviceId, const QString &stream, const QString &paramsJson, Started done) = 0;
    virtual void stop(const QString &agentId, const QString &stream) = 0;
};

} // namespace conduit::gathering
