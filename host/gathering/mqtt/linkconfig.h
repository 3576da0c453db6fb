// How to reach the broker (docs/data-gathering.md, "MQTT"). Strings only
// here, at the edge: the URI, file paths, credentials.
#pragma once

#include <QByteArray>
#include <QString>

namespace conduit::gathering::mqtt {

struct LinkConfig {
    // tcp://host:port or ssl://host:port (TLS; then caFile is required).
    QString brokerUri;
    // The MQTT client id: the broker keeps the persistent session under it,
    // so it must be stable for the vehicle (e.g. "conduit-<vehicle>").
    QString clientId;

    // TLS: the broker's certificate must chain to caFile (the CA is pinned:
    // the system's trust store is not used). certFile and keyFile (PEM) give
    // the client certificate for mutual TLS.
    QString caFile;
    QString certFile;
    QString keyFile;

    QString userName; // optional
    QByteArray password;

    // MQTT 5 session: clean start false, the broker keeps subscriptions and
    // queued QoS 1 messages for this long after a disconnect.
    quint32 sessionExpirySeconds = 7 * 24 * 3600;
    int keepAliveSeconds = 30;
    int connectTimeoutSeconds = 5;
    int maxInflight = 64; // QoS 1 publishes in flight (Paho's receive maximum on our side)

    // Reconnect backoff: the first retry after backoffMinMs, doubling up to
    // backoffMaxMs, each with up to a quarter of random jitter taken off.
    // The time from "broker back" to "connected" is up to backoffMaxMs plus
    // up to a second of Paho's own (its receive thread picks up a new
    // socket only when its 1 s poll ends; Paho C 1.3.12), so 500 ms keeps
    // the first delivery within the 2 s goal (docs/benchmarks.md). A large
    // fleet may want more, at the cost of a later first message.
    int backoffMinMs = 100;
    int backoffMaxMs = 500;

    // Status topic (topics.h): "online" (retained) after every connect;
    // "offline" (retained) from stop() and the destructor, and as the will,
    // which the broker publishes when the connection is lost. Empty: none.
    QString statusTopic;
};

} // namespace conduit::gathering::mqtt
