// `conduitd --check-agent PATH`: what a vendor or CI runs to validate a
// plugin: load it in a runner, negotiate, run inventory, print a JSON report.
#pragma once

#include "agents/agentregistry.h"
#include "checklifecycle.h"

#include <QJsonObject>

#include <optional>

namespace conduit::daemon {

// One device as the JSON reports show it (--check-agent, --inventory --json):
// id, type, hardware_id, current_version, previous_version, update_state,
// capabilities.
QJsonObject deviceJson(const agents::DeviceInfo &d);

// Returns the process exit code: 0 when the agent passed, 1 otherwise (with
// a one-line reason on stderr). The agent gets its section of the
// configuration (config.agentConfigDir) and, with `useStateDir`, its state
// dir under config.stateDir (else a temporary one). The plugin's log lines
// and any disagreement between manifest and library go to stderr; stdout
// holds the JSON report only. With `lifecycle`, one device then goes through
// the lifecycle run (checklifecycle.h); its steps join the report, and a
// broken rule fails the check.
int checkAgent(const QString &path, const agents::RegistryConfig &config, bool useStateDir,
               const std::optional<LifecycleOptions> &lifecycle = std::nullopt);

} // namespace conduit::daemon
