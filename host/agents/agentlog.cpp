#include "agentlog.h"

namespace conduit::agents {
Q_LOGGING_CATEGORY(lcAgent, "conduit.agents")
Q_LOGGING_CATEGORY(lcRunner, "conduit.agents.runner")
} // namespace conduit::agents
