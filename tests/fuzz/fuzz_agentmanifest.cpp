// Fuzz target: an agent manifest (agents/agentmanifest.h), written by a
// vendor and read at every start; its "needs" become the runner's sandbox.
// A refused manifest says why; an accepted one grants only clean absolute
// paths and grantable capabilities, and its needs survive their own JSON.
#include "agents/agentmanifest.h"

#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using conduit::agents::AgentManifest;
using conduit::agents::AgentNeeds;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto m = AgentManifest::parse(bytes, QStringLiteral("/agents/m.json"), &error);
    if (!m) {
        if (!error.startsWith(QLatin1String("/agents/m.json: "))) __builtin_trap();
        return 0;
    }
    for (const auto &p : m->needs.paths)
        if (!p.path.startsWith(QLatin1Char('/')) || p.path.contains(QLatin1String("/../"))) __builtin_trap();
    for (const QString &c : m->needs.capabilities)
        if (!AgentNeeds::grantableCapabilities().contains(c)) __builtin_trap();
    // Round trip: the JSON that --check-agent and GetInventory show parses
    // back to the same grants (paths, network, capabilities).
    const auto again = AgentNeeds::parse(QJsonObject{{QStringLiteral("needs"), m->needs.toJson()}}, &error);
    if (!again || again->paths != m->needs.paths || again->network != m->needs.network ||
        again->capabilities != m->needs.capabilities || again->tcpPorts != m->needs.tcpPorts)
        __builtin_trap();
    return 0;
}
