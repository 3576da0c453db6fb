// How the campaign engine reaches devices: through their agents. Only the
// plain device and call types (agents/device.h) cross here; the real
// gateway over the agents' runners is daemon/registrygateway.h, and tests
// use fakes behind the same interface.
#pragma once

#include "agents/device.h"

#include <QObject>

#include <functional>
#include <memory>

namespace conduit::core {

struct DeviceRecord {
    QString agentId;
    agents::DeviceInfo info;
};

class DeviceGateway : public QObject {
    Q_OBJECT
public:
    using InventoryDone = std::function<void(const QList<DeviceRecord> &, const QString &error)>;
    using CallDone = std::function<void(const agents::CallResult &)>;
    using Progress = std::function<void(quint64 done, quint64 total)>;

    using QObject::QObject;
    // Devices of every agent that is running; `error` names agents that
    // could not answer (their devices are missing from the list).
    virtual void inventory(InventoryDone done) = 0;
    // One lifecycle step on one device through its agent. `payload` is for
    // Transfer only and must stay valid until `done`.
    virtual void call(ipc::Op op, const QString &agentId, const agents::UpdateSpec &update, QIODevice *payload,
                      CallDone done, Progress progress = {}) = 0;
    virtual void cancelAll() = 0;
    // What the last inventory left out and why (a device reported by an
    // agent that does not own it, ...). Also named in its `error`.
    virtual QList<agents::RefusedDevice> refusedDevices() const { return {}; }
};

// Opens the verified payload of a target (from a bundle, a download
// staging area, ...), as a stream the gateway reads once.
class PayloadSource {
public:
    virtual ~PayloadSource() = default;
    virtual std::unique_ptr<QIODevice> open(const struct CampaignTarget &target, QString *error) = 0;
    // The campaign is cancelled: stop fetching what the streams opened here
    // read (network downloads end now, their readers fail). A source of
    // local bytes has nothing to stop.
    virtual void abort(const QString &why) { Q_UNUSED(why); }
};

} // namespace conduit::core
