// MessageLink over Eclipse Paho's MQTT C++ async client (MQTT 5): its
// network runs on Paho's own threads; every event is posted to the owner
// thread through a bridge that the destructor cuts first, so no callback
// reaches a destroyed link. Reconnects are scheduled here (bounded backoff,
// backoff.h), not by Paho, so that stop() ends them at once.
//
// Session: clean start false with a session expiry, so the broker keeps
// the subscriptions and the QoS 1 messages queued for the vehicle while it
// is away; Paho resends publishes that were in flight when a connection
// broke. Every such publish is reported failed (ConnectionLost) when the
// connection breaks, so the caller releases the item and sends it again:
// the receiver may see it twice, with the same idempotency key.
#pragma once

#include "backoff.h"
#include "linkconfig.h"
#include "messagelink.h"

#include <QSet>
#include <QStringList>
#include <QTimer>

#include <memory>

namespace mqtt {
class async_client;
class connect_options;
class token;
} // namespace mqtt

namespace conduit::gathering::mqtt {

class PahoMessageLink final : public MessageLink {
    Q_OBJECT
public:
    // nullptr and *error when the configuration cannot work (URI, TLS files).
    static std::unique_ptr<PahoMessageLink> create(const LinkConfig &config, QString *error, QObject *parent = nullptr);
    ~PahoMessageLink() override;

    void start() override;
    void stop() override;
    LinkState state() const override { return state_; }
    quint64 publish(const OutgoingMessage &m) override;
    void subscribe(const QString &topicFilter) override;
    int inflightLimit() const override { return inflightLimit_; }

    // Reconnect attempts since the last successful connect.
    int failedAttempts() const { return backoff_.attempts(); }

    struct Bridge;

private:
    PahoMessageLink(const LinkConfig &config, QObject *parent);
    bool init(QString *error);
    void attempt();
    void onConnected(int receiveMaximum);
    void onConnectFailed(const LinkFailure &f);
    void onLost(const LinkFailure &f);
    void onPublishDone(quint64 ref, const LinkFailure *failure);
    void failPending(const LinkFailure &f);
    void subscribeAt(qsizetype index);
    std::shared_ptr<::mqtt::token> disconnectSayingOffline();
    void setState(LinkState s);

    LinkConfig config_;
    std::shared_ptr<Bridge> bridge_;
    std::unique_ptr<::mqtt::connect_options> options_;
    std::unique_ptr<::mqtt::async_client> client_;
    LinkState state_ = LinkState::Stopped;
    Backoff backoff_;
    QTimer retry_;
    QStringList filters_;
    QSet<quint64> pending_; // publishes whose outcome is not reported yet
    quint64 nextRef_ = 1;
    int inflightLimit_ = 1;
};

} // namespace conduit::gathering::mqtt
