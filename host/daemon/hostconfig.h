// conduitd's configuration: an INI file (docs/configuration.md) over
// built-in defaults that make a build tree or an install tree work as is.
#pragma once

#include "gatheringlinks.h"

#include "agents/agentregistry.h"
#include "core/campaignengine.h"
#include "core/vehicleprovider.h"
#include "gathering/service/gatheringconfig.h"
#include "upstream/ddiconnector.h"

#include <QString>

namespace conduit::daemon {

struct HostConfig {
    agents::RegistryConfig agents;
    core::CampaignEngine::Config campaign;
    QString trustStatePath; // default <state_dir>/trust.json
    // hawkBit DDI connection; disabled while ddi.ddi.server is empty.
    upstream::DdiConnectorConfig ddi;
    // Run after devices were activated that switch on a reboot (e.g.
    // "systemctl reboot"); empty: wait for the vehicle to restart.
    QString rebootCommand;
    QString bus = QStringLiteral("session"); // "session" or "system": where the control API lives
    // [vehicle]: where the vehicle's signals come from (none unless
    // configured: SetVehicleSignal is then refused), and the age after
    // which a signal counts as unknown (0: never).
    core::VehicleSource vehicleSource = core::VehicleSource::None;
    int vehicleMaxAgeMs = 0;
    QString kuksaAddress = QStringLiteral("127.0.0.1:55555"); // the databroker, with source = kuksa
    QString configFile;                                       // the file read, empty when only defaults apply
    // Data gathering ([gathering]); storeDir empty: <state_dir>/gathering.
    gathering::GatheringConfig gathering;
    // Its links to the fleet: MQTT broker, tus server, campaign trust file.
    GatheringLinks gatheringLinks;

    // Reads `path` if given, else $CONDUIT_CONFIG, else /etc/conduit/conduit.conf
    // when present. Unknown keys and bad values are reported in *warnings.
    static HostConfig load(const QString &path, QStringList *warnings, QString *error);
    static HostConfig defaults();
};

} // namespace conduit::daemon
