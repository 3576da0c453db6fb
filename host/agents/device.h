// The plain types of a device and of one lifecycle call on it, as the host
// sees them: what an agent reports (DeviceInfo), what a call carries
// (UpdateSpec, the step as ipc::Op) and what comes back (CallResult). No
// runner, process or Qt object behind them: the campaign engine
// (core/devicegateway.h) and the agents' side share these, nothing more.
#pragma once

#include "ipc/wire.h"
#include "updatestate.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace conduit::agents {

struct DeviceInfo {
    QString id, type, hardwareId, currentVersion, previousVersion;
    UpdateState updateState = UpdateState::Idle; // checked where the runner reports it
    quint32 capabilities = 0;
    // The agent's last status line for the device during the inventory
    // call (host->status(); the camera's health as one JSON object), at
    // most kMaxDeviceStatus characters; empty when it reported none.
    QString status;
};
inline constexpr qsizetype kMaxDeviceStatus = 4096;

// An inventory entry the host left out, and why (an update_state outside
// the ABI's vocabulary, a device the agent does not own, ...).
struct RefusedDevice {
    QString agentId, deviceId, reason;
};

struct UpdateSpec {
    QString deviceId, targetName, version, sha256, customJson = QStringLiteral("{}"), stagingDir;
    quint64 length = 0;
};

struct CallResult {
    int code = 0; // conduit_result
    QString message;
    bool runnerFailed = false; // the runner died or was killed during the call
    int consent = 0;           // conduit_consent, for DownloadConsent
    quint32 capabilities = 0;
    bool found = false; // ProbeExtension
    QList<DeviceInfo> devices;
    QStringList refusedDevices; // Inventory: why a reported device was left out
    quint64 payloadBytes = 0;   // bytes streamed, for Transfer
    bool ok() const { return code == 0 && !runnerFailed; }
};

} // namespace conduit::agents
