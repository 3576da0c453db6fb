// Uptane (v2.1) full verification for a vehicle: the Director says which
// image goes to which ECU, the Image repository says which images exist;
// an update is trusted only if both agree and both pass the TUF workflow.
//
// Custom fields (see docs/metadata.md):
//   Director target custom: { "ecu_identifiers": { "<serial>": { "hardware_id": "..." } },
//                             "release_counter": N?, "conduit": {policy}? }
//   Image target custom:    { "hardware_ids": [...]?, "release_counter": N?,
//                             "conduit": { "phase": N, "dependencies": [...],
//                                          "conditions": { "parked": bool, "min_battery_soc": 0..100 } }? }
#pragma once

#include "trust/trustedstate.h"

namespace conduit::trust {

struct Ecu {
    QString serial;
    QString hardwareId;
};

struct Vehicle {
    QString vin;
    std::vector<Ecu> ecus;
};

// Signed install policy of one target; conditions absent mean "no condition".
struct InstallPolicy {
    qint64 phase = 0;         // lower phases install first
    QStringList dependencies; // target names that must be installed first
    bool requiresParked = false;
    std::optional<qint64> minBatterySoc; // percent
};

struct VerifiedTarget {
    QString ecuSerial;
    QString hardwareId;
    QString name;      // target name in both repositories
    QString imagePath; // path under the Image repository's targets/
    qint64 length = 0;
    std::map<QString, QString> hashes;
    qint64 releaseCounter = 0;
    InstallPolicy policy;
    JsonValue directorCustom;
    JsonValue imageCustom;
};

struct UptaneUpdate {
    std::vector<VerifiedTarget> targets; // one per ECU, in Director order
    TrustedState state;                  // persist this (TrustStore::save) once accepted
};

// Full verification. `trusted` is not modified; on failure the error names
// the attack and nothing may be installed.
Result<UptaneUpdate> verifyUptane(const TrustedState &trusted, MetadataSource &director, MetadataSource &image,
                                  const Vehicle &vehicle, const QDateTime &now, const RoleLimits &limits = {});

} // namespace conduit::trust
