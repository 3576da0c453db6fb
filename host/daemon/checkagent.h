// `conduitd --check-agent PATH`: what a vendor or CI runs to validate a
// plugin: load it in a runner, negotiate, run inventory, print a JSON report.
#pragma once

#include "agents/agentregistry.h"

namespace conduit::daemon {

// Returns the process exit code: 0 when the agent passed, 1 otherwise (with
// a one-line reason on stderr).
int checkAgent(const QString &path, const agents::RegistryConfig &config);

} // namespace conduit::daemon
