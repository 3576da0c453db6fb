// A link to an MQTT 5 broker, as the gathering service sees it: connect and
// keep connected, publish with QoS 1, subscribe with a handler. The Paho
// implementation is pahomessagelink.h; tests and the uplink/downlink are
// written against this interface (docs/data-gathering.md, "MQTT").
//
// Threads: [owner-thread] every call and every signal happen on the thread
// that owns the object (its QObject thread). An implementation with network
// threads of its own (Paho's) posts their events to that thread; nothing is
// ever called from them.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

namespace conduit::gathering::mqtt {

enum class LinkState : quint8 {
    Stopped,      // not started, or stop() was called: no reconnects
    Connecting,   // a connection attempt is under way
    Connected,    // CONNACK received; publishes flow
    Disconnected, // lost or refused; the next attempt waits for its backoff
};

// Why a connection (or one publish) failed; the message says it in words.
enum class LinkError : quint8 {
    Unreachable,    // no TCP connection (refused, timed out, no route)
    Tls,            // TLS handshake failed: certificate not trusted, client certificate refused
    AuthRefused,    // CONNACK: bad user name or password, not authorised
    Refused,        // CONNACK with another reason (e.g. bad client id, server busy)
    ConnectionLost, // connected, then the connection broke or the broker disconnected us
    PublishFailed,  // a PUBACK with an error reason, or the publish could not be queued
    NotConnected,   // publish() while not connected
};

struct LinkFailure {
    LinkError error = LinkError::Unreachable;
    QString message;
};

QString nameOf(LinkState s);
QString nameOf(LinkError e);

// An MQTT 5 user property (name, value), in order.
struct UserProperty {
    QString name;
    QString value;
};

struct OutgoingMessage {
    QString topic;
    QByteArray payload;
    QList<UserProperty> properties;
    quint32 expirySeconds = 0; // MQTT message expiry interval; 0: none
    bool retain = false;
};

struct IncomingMessage {
    QString topic;
    QByteArray payload;
    QList<UserProperty> properties;
    quint32 expirySeconds = 0; // what remained of the expiry interval at the broker; 0: none
    bool duplicate = false;    // the DUP flag: the broker may have sent it before

    // The first user property of that name, or a null string.
    QString property(QStringView name) const;
};

class MessageLink : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~MessageLink() override = default;

    // [owner-thread] Connects, and reconnects with a bounded backoff after
    // every failure or loss, until stop().
    virtual void start() = 0;
    // [owner-thread] Publishes "offline" on the status topic, disconnects
    // and cancels any reconnect: state() is Stopped on return.
    virtual void stop() = 0;
    virtual LinkState state() const = 0;

    // [owner-thread] Publishes with QoS 1. Returns a reference (never 0);
    // exactly one of published(ref) (the PUBACK arrived) or
    // publishFailed(ref, ...) follows, later, on the owner thread, unless
    // the link is destroyed first.
    virtual quint64 publish(const OutgoingMessage &m) = 0;

    // [owner-thread] Subscribes with QoS 1, now if connected and after every
    // connect (the broker keeps the subscription in the persistent session
    // too); messages come as received(), subscribed() says the broker
    // granted it (after each connect).
    virtual void subscribe(const QString &topicFilter) = 0;

    // [owner-thread] How many publishes may be in flight on the current
    // connection (our maximum, lowered to the broker's Receive Maximum); a
    // caller that keeps within it is never held back by the client.
    virtual int inflightLimit() const { return 65535; }

signals:
    void stateChanged(conduit::gathering::mqtt::LinkState state);
    // A connection attempt failed or a connection was lost.
    void failed(const conduit::gathering::mqtt::LinkFailure &failure);
    void published(quint64 ref);
    void publishFailed(quint64 ref, const conduit::gathering::mqtt::LinkFailure &failure);
    void received(const conduit::gathering::mqtt::IncomingMessage &message);
    void subscribed(const QString &topicFilter);
};

} // namespace conduit::gathering::mqtt

Q_DECLARE_METATYPE(conduit::gathering::mqtt::LinkState)
Q_DECLARE_METATYPE(conduit::gathering::mqtt::LinkFailure)
Q_DECLARE_METATYPE(conduit::gathering::mqtt::IncomingMessage)
