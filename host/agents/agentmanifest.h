// The JSON manifest installed beside each agent plugin, so the host can list
// agents without loading their code. Format: docs/plugin-abi.md#manifest.
#pragma once

#include "agentneeds.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace conduit::agents {

struct AgentManifest {
    QString id; // reverse DNS, e.g. "io.conduit.flash"
    QString version;
    int abiMajor = 0;
    int abiMinor = 0;
    QStringList deviceTypes;
    QString library;      // absolute path of the shared object
    QString manifestPath; // where this manifest was read from
    AgentNeeds needs;     // "needs" and "devices": what its sandbox grants

    // Parses manifest bytes; `path` resolves a relative "library".
    static std::optional<AgentManifest> parse(const QByteArray &json, const QString &path, QString *error);
    static std::optional<AgentManifest> load(const QString &path, QString *error);
    // Every "*.json" manifest in `dirs` (later directories do not override
    // an id found earlier). Problems go to *errors, one line each.
    static QList<AgentManifest> discover(const QStringList &dirs, QStringList *errors);
};

} // namespace conduit::agents
