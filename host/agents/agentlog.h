// The logging categories of the agents: proxies and registry ("conduit.agents"), runner processes
// ("conduit.agents.runner").
#pragma once

#include <QLoggingCategory>

namespace conduit::agents {
Q_DECLARE_LOGGING_CATEGORY(lcAgent)
Q_DECLARE_LOGGING_CATEGORY(lcRunner)
} // namespace conduit::agents
