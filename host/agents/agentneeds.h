// What an agent's runner may touch, declared in its manifest ("needs", and
// the older "devices"), granted by the runner's sandbox and nothing more.
// Format: docs/plugin-abi.md#declared-needs.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace conduit::agents {

// Execute: read, and run it as a program (execve is otherwise fatal); the
// program runs in the same compartment.
enum class PathAccess { ReadOnly, ReadWrite, Execute };
enum class NetworkAccess {
    None,     // a network namespace of its own, without interfaces
    Loopback, // the host's network namespace; TCP limited to declared ports
    Host,     // the host's network namespace; the declared interfaces
};

struct PathGrant {
    QString path; // absolute
    PathAccess access = PathAccess::ReadOnly;
    bool operator==(const PathGrant &) const = default;
};

struct AgentNeeds {
    QList<PathGrant> paths;
    NetworkAccess network = NetworkAccess::None;
    QStringList interfaces;   // e.g. "can0", "eth0" (informational: which links it uses)
    QList<int> tcpPorts;      // ports it may connect to or bind (TCP)
    QStringList capabilities; // "CAP_NET_RAW", … (only grantable ones)
    // Limits; 0 = the host's default.
    quint64 memoryBytes = 0;
    int openFiles = 0;
    int processes = 0;
    int cpuPercent = 0;

    // Parses the manifest's "needs" object (may be absent: no needs) and
    // the legacy "devices" list (read-write device nodes).
    static std::optional<AgentNeeds> parse(const QJsonObject &manifest, QString *error);
    QJsonObject toJson() const;

    // The capabilities an agent may declare (others, e.g. CAP_SYS_ADMIN,
    // would let it leave its compartment).
    static const QStringList &grantableCapabilities();
};

QString networkAccessName(NetworkAccess n);
QString pathAccessName(PathAccess a);
std::optional<PathAccess> pathAccessFromName(const QString &name); // "ro", "rw", "exec"

} // namespace conduit::agents
