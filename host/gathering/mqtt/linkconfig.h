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
    // backoffMaxMs bounds the time from "broker back" to "connected" (the
    // benchmark's goal is <= 2 s to the first delivered message).
    int backoffMinMs = 100;
    int backoffMaxMs = 1000;

    // Status topic (topics.h): "online" (retained) after every connect;
    // the broker publishes "offline" (the will, retained) when the
    // connection is lost or stop() is called. Empty: no status.
    QString statusTopic;
};

} // namespace conduit::gathering::mqtt
