// The host's half of the runner compartments: [agents] sandbox and
// require_sandbox, the uid each agent runs as, what this kernel can
// enforce, and the runner arguments that carry an agent's grants
// (runner/sandbox.h applies them). docs/plugin-abi.md#compartments.
#pragma once

#include "agentneeds.h"

#include <QHash>
#include <QStringList>

namespace conduit::agents {

struct SandboxConfig {
    enum class Mode { Auto, On, Off } mode = Mode::Auto; // Auto: on when conduitd runs as root
    bool required = false;                               // a step this kernel cannot apply refuses the agent
    quint32 uidBase = 62000;                             // agent n (by sorted id) runs as uid/gid uidBase + n
    // [agent-paths]: what the integrator grants beyond the manifest (the
    // flash agent's slot devices are configuration, not code).
    QHash<QString, QList<PathGrant>> extraPaths;

    bool enabled() const;
};

// What this kernel offers, probed once: Landlock's ABI (0: none), seccomp
// filters, namespaces. `missing` names what a runner will not get.
struct SandboxSupport {
    int landlockAbi = 0;
    bool seccomp = false;
    QStringList missing;
    static const SandboxSupport &probe();
};

// The runner's "--sandbox-…" arguments for one agent; empty when the
// sandbox is off.
QStringList sandboxArguments(const SandboxConfig &config, const AgentNeeds &needs, const QString &agentId, quint32 uid,
                             const QString &stateDir);

// Parses one [agent-paths] value: "rw:/dev/mmcblk0p2, ro:/usr/share/x,
// exec:/usr/bin/fw_setenv".
std::optional<QList<PathGrant>> parsePathGrants(const QString &value, QString *error);

} // namespace conduit::agents
