// conduitd's configuration: an INI file (docs/configuration.md) over
// built-in defaults that make a build tree or an install tree work as is.
#pragma once

#include "agents/agentregistry.h"

#include <QString>

namespace conduit::daemon {

struct HostConfig {
    agents::RegistryConfig agents;
    QString configFile; // the file read, empty when only defaults apply

    // Reads `path` if given, else $CONDUIT_CONFIG, else /etc/conduit/conduit.conf
    // when present. Unknown keys and bad values are reported in *warnings.
    static HostConfig load(const QString &path, QStringList *warnings, QString *error);
    static HostConfig defaults();
};

} // namespace conduit::daemon
