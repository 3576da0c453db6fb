// The [gathering] section of conduitd's configuration (docs/configuration.md).
// Strict: a bad value is an error that stops conduitd at start, naming the
// key and what it must be (data gathering misconfigured is not something to
// run with by guesswork).
#pragma once

#include "captureingest.h"
#include "gathering/store.h"

#include <QDir>
#include <QSettings>
#include <QStringList>

namespace conduit::gathering {

struct GatheringConfig {
    bool enabled = false;
    QString storeDir; // default <state_dir>/gathering
    Store::Config store;
    CaptureIngest::Config capture;
    qint64 backlogBytes = 16 << 20; // batches waiting for the store
    // Captures started at start-up (bring-up, tests, a fixed fleet setup);
    // in production signed campaigns start them. Campaign "local".
    QList<CaptureRequest> captures;
};

// The keys parse() reads, as "gathering/<key>" (for the unknown-key warnings).
QStringList gatheringConfigKeys();
// Reads [gathering] from `s`; relative paths against `base`. false with *error.
bool parseGatheringConfig(const QSettings &s, const QDir &base, GatheringConfig *out, QString *error);

} // namespace conduit::gathering
