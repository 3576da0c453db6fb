#include "agentneeds.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace conduit::agents {

namespace {

constexpr int kMaxEntries = 64;

struct NetworkName {
    NetworkAccess value;
    const char *name;
};
constexpr NetworkName kNetworkNames[] = {
    {NetworkAccess::None, "none"}, {NetworkAccess::Loopback, "loopback"}, {NetworkAccess::Host, "host"}};

bool cleanAbsolutePath(const QString &p) {
    if (!p.startsWith(QLatin1Char('/')) || p.size() > 1024) return false;
    const QStringList parts = p.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const QString &s : parts)
        if (s == QLatin1String(".") || s == QLatin1String("..")) return false;
    return !p.contains(QChar(0)) && !p.contains(QLatin1Char(':'));
}

// A non-negative integer member within [0, max]; absent is 0.
bool limit(const QJsonObject &o, const char *key, qint64 max, qint64 *out, QString *error) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined()) return true;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > double(max) || d != qint64(d)) {
        *error = QStringLiteral("\"needs.limits.%1\" must be an integer from 0 to %2").arg(QLatin1String(key)).arg(max);
        return false;
    }
    *out = qint64(d);
    return true;
}

bool onlyKeys(const QJsonObject &o, const QStringList &known, const QString &where, QString *error) {
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.contains(it.key())) {
            *error = QStringLiteral("unknown member \"%1\" in \"%2\" (a later host's? this one cannot grant it)")
                         .arg(it.key(), where);
            return false;
        }
    return true;
}

} // namespace

QString networkAccessName(NetworkAccess n) {
    for (const auto &e : kNetworkNames)
        if (e.value == n) return QLatin1String(e.name);
    return QStringLiteral("none");
}

QString pathAccessName(PathAccess a) {
    switch (a) {
    case PathAccess::ReadWrite: return QStringLiteral("rw");
    case PathAccess::Execute: return QStringLiteral("exec");
    case PathAccess::ReadOnly: break;
    }
    return QStringLiteral("ro");
}

std::optional<PathAccess> pathAccessFromName(const QString &name) {
    for (PathAccess a : {PathAccess::ReadOnly, PathAccess::ReadWrite, PathAccess::Execute})
        if (pathAccessName(a) == name) return a;
    return std::nullopt;
}

const QStringList &AgentNeeds::grantableCapabilities() {
    static const QStringList caps{QStringLiteral("CAP_NET_RAW"),          QStringLiteral("CAP_NET_ADMIN"),
                                  QStringLiteral("CAP_NET_BIND_SERVICE"), QStringLiteral("CAP_SYS_RAWIO"),
                                  QStringLiteral("CAP_IPC_LOCK"),         QStringLiteral("CAP_SYS_NICE"),
                                  QStringLiteral("CAP_WAKE_ALARM"),       QStringLiteral("CAP_BLOCK_SUSPEND")};
    return caps;
}

std::optional<AgentNeeds> AgentNeeds::parse(const QJsonObject &manifest, QString *error) {
    AgentNeeds n;
    auto fail = [&](const QString &why) -> std::optional<AgentNeeds> {
        *error = why;
        return std::nullopt;
    };
    auto addPath = [&](const QString &path, PathAccess access, const QString &where) {
        if (!cleanAbsolutePath(path)) {
            *error = QStringLiteral("%1: \"%2\" is not a clean absolute path").arg(where, path.left(80));
            return false;
        }
        if (n.paths.size() >= kMaxEntries) {
            *error = QStringLiteral("more than 64 paths");
            return false;
        }
        for (PathGrant &g : n.paths)
            if (g.path == path) {
                if (g.access != access) {
                    *error = QStringLiteral("%1: \"%2\" granted twice, as %3 and as %4")
                                 .arg(where, path.left(80), pathAccessName(g.access), pathAccessName(access));
                    return false;
                }
                return true;
            }
        n.paths << PathGrant{path, access};
        return true;
    };
    if (manifest.contains(QLatin1String("devices"))) {
        const QJsonValue dv = manifest.value(QLatin1String("devices"));
        if (!dv.isArray()) return fail(QStringLiteral("\"devices\" must be a list of device node paths"));
        for (const QJsonValue &d : dv.toArray()) {
            if (!d.isString()) return fail(QStringLiteral("\"devices\" must hold strings"));
            if (!addPath(d.toString(), PathAccess::ReadWrite, QStringLiteral("\"devices\""))) return std::nullopt;
        }
    }
    if (!manifest.contains(QLatin1String("needs"))) return n;
    const QJsonValue nv = manifest.value(QLatin1String("needs"));
    if (!nv.isObject()) return fail(QStringLiteral("\"needs\" must be an object"));
    const QJsonObject o = nv.toObject();
    if (!onlyKeys(o,
                  {QStringLiteral("paths"), QStringLiteral("network"), QStringLiteral("capabilities"),
                   QStringLiteral("limits")},
                  QStringLiteral("needs"), error))
        return std::nullopt;

    const QJsonValue pv = o.value(QLatin1String("paths"));
    if (!pv.isUndefined() && !pv.isArray()) return fail(QStringLiteral("\"needs.paths\" must be a list"));
    for (const QJsonValue &p : pv.toArray()) {
        const QJsonObject po = p.toObject();
        if (!p.isObject() || !po.value(QLatin1String("path")).isString())
            return fail(QStringLiteral(
                "\"needs.paths\" entries are {\"path\": \"/dev/…\", \"access\": \"ro\"|\"rw\"|\"exec\"}"));
        if (!onlyKeys(po, {QStringLiteral("path"), QStringLiteral("access")}, QStringLiteral("needs.paths"), error))
            return std::nullopt;
        const auto access = pathAccessFromName(po.value(QLatin1String("access")).toString());
        if (!access) return fail(QStringLiteral("\"needs.paths\": \"access\" must be \"ro\", \"rw\" or \"exec\""));
        if (!addPath(po.value(QLatin1String("path")).toString(), *access, QStringLiteral("\"needs.paths\"")))
            return std::nullopt;
    }

    const QJsonValue netv = o.value(QLatin1String("network"));
    if (!netv.isUndefined()) {
        if (!netv.isObject()) return fail(QStringLiteral("\"needs.network\" must be an object"));
        const QJsonObject no = netv.toObject();
        if (!onlyKeys(no, {QStringLiteral("access"), QStringLiteral("interfaces"), QStringLiteral("tcp_ports")},
                      QStringLiteral("needs.network"), error))
            return std::nullopt;
        const QString access = no.value(QLatin1String("access")).toString();
        bool known = false;
        for (const auto &e : kNetworkNames)
            if (access == QLatin1String(e.name)) n.network = e.value, known = true;
        if (!known) return fail(QStringLiteral("\"needs.network.access\" must be \"none\", \"loopback\" or \"host\""));
        static const QRegularExpression ifRe(QStringLiteral("^[A-Za-z0-9_.-]{1,15}$"));
        const QJsonValue iv = no.value(QLatin1String("interfaces"));
        if (!iv.isUndefined() && !iv.isArray())
            return fail(QStringLiteral("\"needs.network.interfaces\" must be a list of interface names"));
        for (const QJsonValue &i : iv.toArray()) {
            if (!i.isString() || !ifRe.match(i.toString()).hasMatch() || n.interfaces.size() >= kMaxEntries)
                return fail(QStringLiteral("\"needs.network.interfaces\" must hold interface names like \"can0\""));
            n.interfaces << i.toString();
        }
        const QJsonValue tv = no.value(QLatin1String("tcp_ports"));
        if (!tv.isUndefined() && !tv.isArray())
            return fail(QStringLiteral("\"needs.network.tcp_ports\" must be a list"));
        for (const QJsonValue &t : tv.toArray()) {
            const double d = t.toDouble(-1);
            if (!t.isDouble() || d < 1 || d > 65535 || d != int(d) || n.tcpPorts.size() >= kMaxEntries)
                return fail(QStringLiteral("\"needs.network.tcp_ports\" must hold port numbers 1-65535"));
            n.tcpPorts << int(d);
        }
        if (n.network == NetworkAccess::None && (!n.interfaces.isEmpty() || !n.tcpPorts.isEmpty()))
            return fail(QStringLiteral("\"needs.network\": access \"none\" with interfaces or ports"));
    }

    const QJsonValue cv = o.value(QLatin1String("capabilities"));
    if (!cv.isUndefined() && !cv.isArray()) return fail(QStringLiteral("\"needs.capabilities\" must be a list"));
    for (const QJsonValue &c : cv.toArray()) {
        if (!c.isString() || !grantableCapabilities().contains(c.toString()))
            return fail(QStringLiteral("\"needs.capabilities\": %1 cannot be granted to an agent (grantable: %2)")
                            .arg(c.isString() ? c.toString().left(40) : QStringLiteral("a non-string"),
                                 grantableCapabilities().join(QStringLiteral(", "))));
        if (!n.capabilities.contains(c.toString())) n.capabilities << c.toString();
    }

    const QJsonValue lv = o.value(QLatin1String("limits"));
    if (!lv.isUndefined()) {
        if (!lv.isObject()) return fail(QStringLiteral("\"needs.limits\" must be an object"));
        const QJsonObject lo = lv.toObject();
        if (!onlyKeys(lo,
                      {QStringLiteral("memory_mb"), QStringLiteral("open_files"), QStringLiteral("processes"),
                       QStringLiteral("cpu_percent")},
                      QStringLiteral("needs.limits"), error))
            return std::nullopt;
        qint64 mem = 0, files = 0, procs = 0, cpu = 0;
        if (!limit(lo, "memory_mb", 1 << 20, &mem, error) || !limit(lo, "open_files", 1 << 20, &files, error) ||
            !limit(lo, "processes", 4096, &procs, error) || !limit(lo, "cpu_percent", 100, &cpu, error))
            return std::nullopt;
        n.memoryBytes = quint64(mem) << 20;
        n.openFiles = int(files);
        n.processes = int(procs);
        n.cpuPercent = int(cpu);
    }
    return n;
}

QJsonObject AgentNeeds::toJson() const {
    QJsonArray p;
    for (const PathGrant &g : paths)
        p << QJsonObject{{QStringLiteral("path"), g.path}, {QStringLiteral("access"), pathAccessName(g.access)}};
    QJsonArray ports;
    for (int t : tcpPorts) ports << t;
    return QJsonObject{
        {QStringLiteral("paths"), p},
        {QStringLiteral("network"), QJsonObject{{QStringLiteral("access"), networkAccessName(network)},
                                                {QStringLiteral("interfaces"), QJsonArray::fromStringList(interfaces)},
                                                {QStringLiteral("tcp_ports"), ports}}},
        {QStringLiteral("capabilities"), QJsonArray::fromStringList(capabilities)},
        {QStringLiteral("limits"), QJsonObject{{QStringLiteral("memory_mb"), qint64(memoryBytes >> 20)},
                                               {QStringLiteral("open_files"), openFiles},
                                               {QStringLiteral("processes"), processes},
                                               {QStringLiteral("cpu_percent"), cpuPercent}}},
    };
}

} // namespace conduit::agents
