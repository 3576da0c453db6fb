// The links of data gathering to the fleet, from conduitd's [gathering]
// section (docs/configuration.md): the vehicle id in the MQTT topics, the
// broker (campaigns down, short messages up), the tus server (bulk up) and
// the campaign trust file. Strict like the rest of [gathering]: a bad value
// is an error naming the key. Strings and paths only here, at the edge.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QSettings>
#include <QSslConfiguration>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace conduit::daemon {

struct GatheringLinks {
    // The vehicle in the topics and the campaigns' scope; default [host] vin.
    QString vehicleId;
    // campaign-keys.json (`conduit-repo campaign keys`); empty: no campaign
    // is accepted (every document is refused as unsigned).
    QString campaignKeysFile;

    struct Broker {
        QString uri; // tcp://host:port or ssl://host:port
        QString caFile, certFile, keyFile;
        QString userName;
        QByteArray password; // read from mqtt_password_file
    };
    std::optional<Broker> mqtt; // absent: no MQTT link

    struct Uploads {
        QUrl endpoint; // the tus creation URL
        std::optional<QSslConfiguration> tls;
        qint64 bandwidthLimit = 0; // bytes per second, 0: unlimited
    };
    std::optional<Uploads> tus; // absent: bulk items wait in the store
};

// The keys parseGatheringLinks() reads, as "gathering/<key>".
QStringList gatheringLinksKeys();
// Reads them from `s`; relative paths against `base`; `vin` is [host] vin.
bool parseGatheringLinks(const QSettings &s, const QDir &base, const QString &vin, GatheringLinks *out, QString *error);

} // namespace conduit::daemon
