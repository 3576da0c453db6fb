#include "pahomessagelink.h"

#include "tlsprobe.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QThreadPool>
#include <QUrl>

#include <mqtt/async_client.h>

#include <mutex>

Q_LOGGING_CATEGORY(lcMqtt, "conduit.gathering.mqtt")

namespace conduit::gathering::mqtt {

namespace {

QString text(const std::string &s) { return QString::fromStdString(s); }
std::string bytes(const QString &s) { return s.toStdString(); }

QString reasonText(int reason) { return QString::fromUtf8(::MQTTReasonCode_toString(MQTTReasonCodes(reason))); }

// What a failed connect means, in words.
LinkFailure connectFailure(const QString &uri, int rc, int reason, const std::string &pahoText) {
    if (reason == ::mqtt::BAD_USER_NAME_OR_PASSWORD || reason == ::mqtt::NOT_AUTHORIZED ||
        reason == ::mqtt::BAD_AUTHENTICATION_METHOD)
        return {LinkError::AuthRefused, QStringLiteral("the broker %1 refused the credentials: %2 (reason 0x%3)")
                                            .arg(uri, reasonText(reason), QString::number(reason, 16))};
    if (reason >= 0x80)
        return {LinkError::Refused, QStringLiteral("the broker %1 refused the connection: %2 (reason 0x%3)")
                                        .arg(uri, reasonText(reason), QString::number(reason, 16))};
    return {LinkError::Unreachable,
            QStringLiteral("no connection to %1: %2 (the broker is down or unreachable)")
                .arg(uri, pahoText.empty() ? QString::fromUtf8(::MQTTAsync_strerror(rc)) : text(pahoText))};
}

// Paho keeps its words for a failure in the token and gives them out only
// through the exception wait() throws; the token is complete when its
// listener runs, so wait() returns at once.
std::string failureText(const ::mqtt::token &t) {
    try {
        const_cast<::mqtt::token &>(t).wait();
    } catch (const ::mqtt::exception &e) {
        return e.get_message();
    }
    return {};
}

bool readable(const QString &path, const char *what, QString *error) {
    if (QFileInfo(path).isReadable()) return true;
    *error = QStringLiteral("MQTT: the %1 %2 is not readable").arg(QLatin1String(what), path);
    return false;
}

} // namespace

// Lives as long as the Paho client's callbacks may run (they hold it by
// shared_ptr); owner is cut under the mutex before the link goes away.
struct PahoMessageLink::Bridge : std::enable_shared_from_this<Bridge> {
    std::mutex mutex;
    PahoMessageLink *owner = nullptr;
    std::optional<TlsProbe> probe; // ssl:// only; set once before the client exists

    template <class F>
    void post(F f) {
        std::lock_guard lock(mutex);
        if (!owner) return;
        PahoMessageLink *o = owner;
        QMetaObject::invokeMethod(
            o, [o, f = std::move(f)]() mutable { f(o); }, Qt::QueuedConnection);
    }
    void detach() {
        std::lock_guard lock(mutex);
        owner = nullptr;
    }

    struct Connect : ::mqtt::iaction_listener {
        Bridge *b = nullptr;
        void on_success(const ::mqtt::token &t) override {
            // The broker's Receive Maximum (CONNACK; 65535 when absent). Paho
            // 1.3.12 holds a publish beyond it for up to a second (its send
            // thread waits for a timeout, not for the PUBACK), so callers
            // keep within it (inflightLimit()).
            int receiveMaximum = 65535;
            try {
                const ::mqtt::properties &props = t.get_connect_response().get_properties();
                if (props.contains(::mqtt::property::RECEIVE_MAXIMUM))
                    receiveMaximum = ::mqtt::get<uint16_t>(props, ::mqtt::property::RECEIVE_MAXIMUM);
            } catch (const ::mqtt::exception &) {}
            b->post([receiveMaximum](PahoMessageLink *o) { o->onConnected(receiveMaximum); });
        }
        void on_failure(const ::mqtt::token &t) override {
            // A refusing CONNACK's reason comes as the return code (> 0).
            const int rc = t.get_return_code();
            const int reason = t.get_reason_code() != 0 ? int(t.get_reason_code()) : std::max(rc, 0);
            const std::string paho = failureText(t);
            if (!b->probe || reason >= 0x80) {
                b->post([rc, reason, paho](PahoMessageLink *o) {
                    o->onConnectFailed(connectFailure(o->config_.brokerUri, rc, reason, paho));
                });
                return;
            }
            // Find out in OpenSSL's words, off Paho's thread (tlsprobe.h).
            QThreadPool::globalInstance()->start([bridge = b->shared_from_this(), rc, reason, paho] {
                const std::optional<LinkFailure> why = probeTls(*bridge->probe);
                bridge->post([rc, reason, paho, why](PahoMessageLink *o) {
                    o->onConnectFailed(why ? *why : connectFailure(o->config_.brokerUri, rc, reason, paho));
                });
            });
        }
    } connect;

    struct Publish : ::mqtt::iaction_listener {
        Bridge *b = nullptr;
        static quint64 ref(const ::mqtt::token &t) { return quint64(reinterpret_cast<quintptr>(t.get_user_context())); }
        void on_success(const ::mqtt::token &t) override {
            b->post([ref = ref(t)](PahoMessageLink *o) { o->onPublishDone(ref, nullptr); });
        }
        void on_failure(const ::mqtt::token &t) override {
            const int rc = t.get_return_code(), reason = t.get_reason_code();
            b->post([ref = ref(t), rc, reason](PahoMessageLink *o) {
                const LinkFailure f{LinkError::PublishFailed,
                                    reason >= 0x80 ? QStringLiteral("the broker refused the message: %1 (reason 0x%2)")
                                                         .arg(reasonText(reason), QString::number(reason, 16))
                                                   : QStringLiteral("the message was not delivered: %1")
                                                         .arg(QString::fromUtf8(::MQTTAsync_strerror(rc)))};
                o->onPublishDone(ref, &f);
            });
        }
    } publish;

    // The user context is the filter's index in filters_, plus one.
    struct Subscribe : ::mqtt::iaction_listener {
        Bridge *b = nullptr;
        void on_success(const ::mqtt::token &t) override {
            const auto index = qsizetype(reinterpret_cast<quintptr>(t.get_user_context())) - 1;
            b->post([index](PahoMessageLink *o) {
                if (index >= 0 && index < o->filters_.size()) emit o->subscribed(o->filters_.at(index));
            });
        }
        void on_failure(const ::mqtt::token &t) override {
            const auto index = qsizetype(reinterpret_cast<quintptr>(t.get_user_context())) - 1;
            const int reason = t.get_reason_code();
            b->post([index, reason](PahoMessageLink *o) {
                qCWarning(lcMqtt).noquote()
                    << "the broker refused the subscription" << o->filters_.value(index) << ":" << reasonText(reason);
            });
        }
    } subscribe;
};

std::unique_ptr<PahoMessageLink> PahoMessageLink::create(const LinkConfig &config, QString *error, QObject *parent) {
    std::unique_ptr<PahoMessageLink> link(new PahoMessageLink(config, parent));
    if (!link->init(error)) return nullptr;
    return link;
}

PahoMessageLink::PahoMessageLink(const LinkConfig &config, QObject *parent)
    : MessageLink(parent), config_(config), bridge_(std::make_shared<Bridge>()),
      backoff_(config.backoffMinMs, config.backoffMaxMs) {
    bridge_->owner = this;
    bridge_->connect.b = bridge_.get();
    bridge_->publish.b = bridge_.get();
    bridge_->subscribe.b = bridge_.get();
    retry_.setSingleShot(true);
    connect(&retry_, &QTimer::timeout, this, &PahoMessageLink::attempt);
}

bool PahoMessageLink::init(QString *error) {
    const QUrl uri(config_.brokerUri);
    const bool tls = uri.scheme() == u"ssl";
    if (!(tls || uri.scheme() == u"tcp") || uri.host().isEmpty() || uri.port() <= 0) {
        *error =
            QStringLiteral("MQTT: the broker URI %1 is not tcp://host:port or ssl://host:port").arg(config_.brokerUri);
        return false;
    }
    if (config_.clientId.isEmpty()) {
        *error = QStringLiteral("MQTT: no client id (the persistent session is kept under it)");
        return false;
    }
    if (tls && config_.caFile.isEmpty()) {
        *error = QStringLiteral("MQTT: %1 is TLS but no CA file is given (the broker's CA is pinned)")
                     .arg(config_.brokerUri);
        return false;
    }
    if (config_.certFile.isEmpty() != config_.keyFile.isEmpty()) {
        *error = QStringLiteral("MQTT: a client certificate needs both the certificate and the key file");
        return false;
    }
    if (tls && !readable(config_.caFile, "CA file", error)) return false;
    if (!config_.certFile.isEmpty() &&
        (!readable(config_.certFile, "client certificate", error) || !readable(config_.keyFile, "client key", error)))
        return false;

    options_ = std::make_unique<::mqtt::connect_options>();
    options_->set_mqtt_version(MQTTVERSION_5);
    options_->set_clean_start(false);
    options_->set_keep_alive_interval(config_.keepAliveSeconds);
    options_->set_connect_timeout(config_.connectTimeoutSeconds);
    options_->set_max_inflight(config_.maxInflight);
    options_->set_automatic_reconnect(false);
    options_->set_properties(
        {::mqtt::property(::mqtt::property::SESSION_EXPIRY_INTERVAL, int32_t(config_.sessionExpirySeconds))});
    if (!config_.userName.isEmpty()) {
        options_->set_user_name(bytes(config_.userName));
        options_->set_password(config_.password.toStdString());
    }
    if (!config_.statusTopic.isEmpty()) {
        ::mqtt::message will(bytes(config_.statusTopic), "offline", 1, true);
        options_->set_will_message(will);
    }
    if (tls) {
        ::mqtt::ssl_options ssl;
        ssl.set_trust_store(bytes(config_.caFile));
        ssl.set_enable_server_cert_auth(true);
        ssl.set_verify(true); // the host name must match the certificate
        bridge_->probe = TlsProbe{config_.brokerUri,
                                  uri.host(),
                                  quint16(uri.port()),
                                  config_.caFile,
                                  config_.certFile,
                                  config_.keyFile,
                                  std::clamp(config_.connectTimeoutSeconds * 1000, 500, 3000)};
        if (!config_.certFile.isEmpty()) {
            ssl.set_key_store(bytes(config_.certFile));
            ssl.set_private_key(bytes(config_.keyFile));
        }
        options_->set_ssl(std::move(ssl));
    }

    try {
        client_ = std::make_unique<::mqtt::async_client>(bytes(config_.brokerUri), bytes(config_.clientId),
                                                         ::mqtt::create_options(MQTTVERSION_5), nullptr);
    } catch (const ::mqtt::exception &e) {
        *error = QStringLiteral("MQTT: cannot create a client for %1: %2").arg(config_.brokerUri, text(e.what()));
        return false;
    }
    std::shared_ptr<Bridge> b = bridge_;
    client_->set_connection_lost_handler([b](const std::string &cause) {
        b->post([cause](PahoMessageLink *o) {
            o->onLost({LinkError::ConnectionLost,
                       QStringLiteral("the connection to %1 was lost%2")
                           .arg(o->config_.brokerUri, cause.empty() ? QString() : QStringLiteral(": ") + text(cause))});
        });
    });
    client_->set_disconnected_handler([b](const ::mqtt::properties &, ::mqtt::ReasonCode reason) {
        b->post([reason](PahoMessageLink *o) {
            o->onLost({LinkError::ConnectionLost,
                       QStringLiteral("the broker %1 disconnected us: %2 (reason 0x%3)")
                           .arg(o->config_.brokerUri, reasonText(reason), QString::number(int(reason), 16))});
        });
    });
    client_->set_message_callback([b](::mqtt::const_message_ptr msg) {
        IncomingMessage in;
        in.topic = text(msg->get_topic());
        in.payload = QByteArray(msg->get_payload().data(), qsizetype(msg->get_payload().size()));
        in.duplicate = msg->is_duplicate();
        const ::mqtt::properties &props = msg->get_properties();
        for (size_t i = 0, n = props.count(::mqtt::property::USER_PROPERTY); i < n; ++i) {
            const auto [name, value] = ::mqtt::get<::mqtt::string_pair>(props, ::mqtt::property::USER_PROPERTY, i);
            in.properties.append({text(name), text(value)});
        }
        if (props.contains(::mqtt::property::MESSAGE_EXPIRY_INTERVAL))
            in.expirySeconds = ::mqtt::get<uint32_t>(props, ::mqtt::property::MESSAGE_EXPIRY_INTERVAL);
        b->post([in = std::move(in)](PahoMessageLink *o) { emit o->received(in); });
    });
    return true;
}

PahoMessageLink::~PahoMessageLink() {
    bridge_->detach();
    retry_.stop();
    if (client_) {
        try {
            client_->disable_callbacks();
            if (client_->is_connected()) disconnectSayingOffline()->wait_for(std::chrono::milliseconds(1500));
        } catch (const ::mqtt::exception &e) {
            qCDebug(lcMqtt) << "disconnect at destruction:" << e.what();
        }
    }
    client_.reset();
}

void PahoMessageLink::setState(LinkState s) {
    if (s == state_) return;
    state_ = s;
    qCDebug(lcMqtt) << config_.clientId << "state" << nameOf(s);
    emit stateChanged(s);
}

void PahoMessageLink::start() {
    if (state_ != LinkState::Stopped) return;
    backoff_.reset();
    attempt();
}

void PahoMessageLink::attempt() {
    setState(LinkState::Connecting);
    try {
        client_->connect(*options_, nullptr, bridge_->connect);
    } catch (const ::mqtt::exception &e) {
        onConnectFailed({LinkError::Unreachable,
                         QStringLiteral("cannot connect to %1: %2").arg(config_.brokerUri, text(e.what()))});
    }
}

void PahoMessageLink::onConnected(int receiveMaximum) {
    if (state_ == LinkState::Stopped) { // stop() came while connecting
        try {
            client_->disconnect();
        } catch (const ::mqtt::exception &) {}
        return;
    }
    backoff_.reset();
    inflightLimit_ = std::max(1, std::min(config_.maxInflight, receiveMaximum));
    setState(LinkState::Connected);
    try {
        if (!config_.statusTopic.isEmpty())
            client_->publish(::mqtt::make_message(bytes(config_.statusTopic), "online", 6, 1, true));
        for (qsizetype i = 0; i < filters_.size(); ++i) subscribeAt(i);
    } catch (const ::mqtt::exception &e) {
        qCWarning(lcMqtt) << "after connecting to" << config_.brokerUri << ":" << e.what();
    }
}

void PahoMessageLink::onConnectFailed(const LinkFailure &f) {
    if (state_ == LinkState::Stopped) return;
    setState(LinkState::Disconnected);
    const int delay = backoff_.next();
    qCInfo(lcMqtt).noquote() << f.message << "- next attempt in" << delay << "ms";
    emit failed(f);
    if (state_ == LinkState::Disconnected) retry_.start(delay);
}

void PahoMessageLink::onLost(const LinkFailure &f) {
    if (state_ != LinkState::Connected) return;
    failPending(f);
    setState(LinkState::Disconnected);
    qCInfo(lcMqtt).noquote() << f.message;
    emit failed(f);
    if (state_ == LinkState::Disconnected) retry_.start(backoff_.next());
}

void PahoMessageLink::stop() {
    retry_.stop();
    if (state_ == LinkState::Stopped) return;
    const bool wasUp = state_ == LinkState::Connected || state_ == LinkState::Connecting;
    setState(LinkState::Stopped);
    if (wasUp) {
        try {
            if (client_->is_connected())
                disconnectSayingOffline();
            else
                client_->disconnect();
        } catch (const ::mqtt::exception &e) {
            qCDebug(lcMqtt) << "disconnect:" << e.what();
        }
    }
    failPending({LinkError::NotConnected, QStringLiteral("the link to %1 was stopped").arg(config_.brokerUri)});
}

// A normal DISCONNECT discards the will, and Paho C++ 1.2 cannot send
// reason 0x04 ("disconnect with will": its disconnect options are the
// version without a reason code), so the link says "offline" itself first;
// the disconnect waits up to a second for that publish to complete.
std::shared_ptr<::mqtt::token> PahoMessageLink::disconnectSayingOffline() {
    if (!config_.statusTopic.isEmpty())
        client_->publish(::mqtt::make_message(bytes(config_.statusTopic), "offline", 7, 1, true));
    return client_->disconnect(::mqtt::disconnect_options(std::chrono::milliseconds(1000)));
}

quint64 PahoMessageLink::publish(const OutgoingMessage &m) {
    const quint64 ref = nextRef_++;
    auto failLater = [this, ref](LinkFailure f) {
        pending_.insert(ref);
        QMetaObject::invokeMethod(
            this, [this, ref, f] { onPublishDone(ref, &f); }, Qt::QueuedConnection);
    };
    if (state_ != LinkState::Connected) {
        failLater({LinkError::NotConnected, QStringLiteral("not connected to %1").arg(config_.brokerUri)});
        return ref;
    }
    auto msg = ::mqtt::make_message(bytes(m.topic), m.payload.constData(), size_t(m.payload.size()), 1, m.retain);
    ::mqtt::properties props;
    for (const UserProperty &p : m.properties)
        props.add(::mqtt::property(::mqtt::property::USER_PROPERTY, bytes(p.name), bytes(p.value)));
    if (m.expirySeconds > 0)
        props.add(::mqtt::property(::mqtt::property::MESSAGE_EXPIRY_INTERVAL, int32_t(m.expirySeconds)));
    msg->set_properties(std::move(props));
    try {
        client_->publish(msg, reinterpret_cast<void *>(quintptr(ref)), bridge_->publish);
        pending_.insert(ref);
    } catch (const ::mqtt::exception &e) {
        failLater({LinkError::PublishFailed, QStringLiteral("cannot publish to %1: %2").arg(m.topic, text(e.what()))});
    }
    return ref;
}

void PahoMessageLink::onPublishDone(quint64 ref, const LinkFailure *failure) {
    if (!pending_.remove(ref)) return; // already reported failed when the connection broke
    if (failure)
        emit publishFailed(ref, *failure);
    else
        emit published(ref);
}

void PahoMessageLink::failPending(const LinkFailure &f) {
    const QSet<quint64> refs = std::exchange(pending_, {});
    for (quint64 ref : refs) emit publishFailed(ref, f);
}

void PahoMessageLink::subscribe(const QString &topicFilter) {
    if (filters_.contains(topicFilter)) return;
    filters_.append(topicFilter);
    if (state_ == LinkState::Connected) subscribeAt(filters_.size() - 1);
}

void PahoMessageLink::subscribeAt(qsizetype index) {
    try {
        client_->subscribe(bytes(filters_.at(index)), 1, reinterpret_cast<void *>(quintptr(index + 1)),
                           bridge_->subscribe);
    } catch (const ::mqtt::exception &e) {
        qCWarning(lcMqtt) << "subscribe" << filters_.at(index) << ":" << e.what();
    }
}

} // namespace conduit::gathering::mqtt
