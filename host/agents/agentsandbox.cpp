#include "agentsandbox.h"

#include "agentlog.h"

#include <QJsonArray>
#include <QLoggingCategory>

#include <cerrno>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace conduit::agents {

bool SandboxConfig::enabled() const { return mode == Mode::On || (mode == Mode::Auto && ::geteuid() == 0); }

const SandboxSupport &SandboxSupport::probe() {
    static const SandboxSupport s = [] {
        SandboxSupport r;
        const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1u /* VERSION */);
        r.landlockAbi = abi > 0 ? int(abi) : 0;
        if (r.landlockAbi == 0)
            r.missing << QStringLiteral("Landlock (agents' file access is confined by uid and mounts only)");
        else if (r.landlockAbi < 4)
            r.missing << QStringLiteral("Landlock TCP port rules (ABI %1 < 4)").arg(r.landlockAbi);
        if (r.landlockAbi > 0 && r.landlockAbi < 6)
            r.missing << QStringLiteral("Landlock signal scoping (ABI %1 < 6)").arg(r.landlockAbi);
        // EFAULT: filters are supported (the NULL program was looked at).
        r.seccomp = ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr) != 0 && errno == EFAULT;
        if (!r.seccomp) r.missing << QStringLiteral("seccomp filters");
        return r;
    }();
    return s;
}

std::optional<QList<PathGrant>> parsePathGrants(const QString &value, QString *error) {
    QList<PathGrant> out;
    for (const QString &raw : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString item = raw.trimmed();
        const auto access = pathAccessFromName(item.section(QLatin1Char(':'), 0, 0));
        if (!access || !item.contains(QLatin1Char(':'))) {
            *error = QStringLiteral("\"%1\": each grant is ro:/path, rw:/path or exec:/path").arg(item.left(80));
            return std::nullopt;
        }
        const QString path = item.section(QLatin1Char(':'), 1);
        QString why;
        auto one = AgentNeeds::parse(QJsonObject{{QStringLiteral("devices"), QJsonArray{path}}}, &why);
        if (!one) {
            *error = why;
            return std::nullopt;
        }
        out << PathGrant{path, *access};
    }
    return out;
}

QStringList sandboxArguments(const SandboxConfig &config, const AgentNeeds &needs, const QString &agentId, quint32 uid,
                             const QString &stateDir) {
    if (!config.enabled()) return {};
    QStringList a{QStringLiteral("--sandbox-uid"),      QString::number(uid),
                  QStringLiteral("--sandbox-gid"),      QString::number(uid),
                  QStringLiteral("--sandbox-required"), config.required ? QStringLiteral("1") : QStringLiteral("0"),
                  QStringLiteral("--sandbox-network"),  networkAccessName(needs.network)};
    if (!stateDir.isEmpty()) a << QStringLiteral("--sandbox-state-dir") << stateDir;
    QList<PathGrant> paths = needs.paths;
    paths += config.extraPaths.value(agentId);
    for (const PathGrant &p : paths) a << QStringLiteral("--sandbox-") + pathAccessName(p.access) << p.path;
    for (int port : needs.tcpPorts) a << QStringLiteral("--sandbox-tcp-port") << QString::number(port);
    for (const QString &c : needs.capabilities) a << QStringLiteral("--sandbox-cap") << c;
    a << QStringLiteral("--sandbox-open-files") << QString::number(needs.openFiles ? needs.openFiles : 1024);
    // Threads count: the runner's own, the plugin's, and what it forks.
    a << QStringLiteral("--sandbox-processes") << QString::number(needs.processes ? needs.processes : 64);
    return a;
}

} // namespace conduit::agents
