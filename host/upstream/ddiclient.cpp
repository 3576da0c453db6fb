#include "ddiclient.h"

#include "ddilog.h"
#include "tlshint.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>

#include <memory>

namespace conduit::upstream {

QUrl DdiConfig::controllerBase() const {
    QUrl u = server;
    QString path = u.path();
    if (!path.endsWith(QLatin1Char('/'))) path += QLatin1Char('/');
    u.setPath(path + tenant + QStringLiteral("/controller/v1/") + controllerId);
    return u;
}

QList<QPair<QByteArray, QByteArray>> DdiConfig::authHeaders() const {
    if (!targetToken.isEmpty()) return {{"Authorization", "TargetToken " + targetToken.toUtf8()}};
    if (!gatewayToken.isEmpty()) return {{"Authorization", "GatewayToken " + gatewayToken.toUtf8()}};
    return {};
}

DdiClient::DdiClient(QNetworkAccessManager *network, DdiConfig config, QObject *parent)
    : QObject(parent), network_(network), config_(std::move(config)),
      outbox_([this](const OutgoingFeedback &m, FeedbackOutbox::Done done) { post(m, std::move(done)); },
              config_.progressFeedbackSeconds * 1000) {
    pollTimer_.setSingleShot(true);
    connect(&outbox_, &FeedbackOutbox::gone, this, [this](const QString &action) {
        // The action is over on the server: stop talking about it.
        gone_.insert(action);
        emit actionGone(action);
    });
    connect(&pollTimer_, &QTimer::timeout, this, &DdiClient::pollNow);
}

void DdiClient::start() { pollNow(); }
void DdiClient::stop() { pollTimer_.stop(); }

QNetworkRequest DdiClient::request(const QUrl &url) const {
    QNetworkRequest r(url);
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    r.setRawHeader("Accept", "application/hal+json, application/json");
    r.setTransferTimeout(config_.requestTimeoutMs);
    for (const auto &h : config_.authHeaders()) r.setRawHeader(h.first, h.second);
    if (config_.tls) r.setSslConfiguration(*config_.tls);
    return r;
}

void DdiClient::get(const QUrl &url, std::function<void(int, const QByteArray &, const QString &)> done) {
    ++requests_;
    QNetworkReply *reply = network_->get(request(url));
    auto handshakeDone = std::make_shared<bool>(false);
    connect(reply, &QNetworkReply::encrypted, this, [handshakeDone] { *handshakeDone = true; });
    connect(reply, &QNetworkReply::finished, this, [this, reply, done, handshakeDone] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        // Documents are small; a server that sends more is refused.
        const QByteArray body = reply->read(ddi::kMaxDocumentBytes + 1);
        QString error;
        if (reply->error() != QNetworkReply::NoError && status == 0) {
            error = reply->errorString();
            // With TLS 1.3 the server checks our certificate after our side
            // of the handshake is done: a refusal is merely a closed connection.
            const bool clientCertificate = config_.tls && !config_.tls->localCertificate().isNull();
            if (*handshakeDone && reply->error() == QNetworkReply::RemoteHostClosedError && clientCertificate)
                error += QStringLiteral(" right after the TLS handshake: the server refused our client certificate "
                                        "(check [ddi] cert_file and key_file, and which CA the server trusts)");
            else
                error = withTlsHint(error, clientCertificate);
        } else if (status != 200) {
            error = QStringLiteral("HTTP %1").arg(status);
        }
        done(status, body, error);
    });
}

void DdiClient::pollNow() {
    if (polling_) return;
    polling_ = true;
    pollTimer_.stop();
    get(config_.controllerBase(), [this](int status, const QByteArray &body, const QString &error) {
        polling_ = false;
        onBase(status, body, error);
    });
}

void DdiClient::onBase(int status, const QByteArray &body, const QString &error) {
    if (!error.isEmpty()) {
        const QString reason = status == 401 || status == 403
                                   ? QStringLiteral("server refused our credentials (HTTP %1): check the target or "
                                                    "gateway token / client certificate")
                                         .arg(status)
                                   : QStringLiteral("poll failed: %1").arg(error);
        qCWarning(lcDdi).noquote() << reason;
        emit pollFailed(reason);
        return scheduleNext(true);
    }
    auto base = ddi::parseBase(body, config_.controllerBase());
    if (!base) {
        emit pollFailed(QStringLiteral("server sent an invalid controller document: %1").arg(base.error().message));
        return scheduleNext(true);
    }
    pollSeconds_ = std::clamp(base->pollSeconds, config_.minPollSeconds, config_.maxPollSeconds);
    emit polled();
    if (!base->configData.isEmpty()) {
        configDataUrl_ = base->configData;
        emit configDataRequested();
    }
    if (!base->cancelAction.isEmpty()) {
        get(base->cancelAction, [this](int, const QByteArray &b, const QString &e) {
            if (!e.isEmpty()) {
                qCWarning(lcDdi).noquote() << "cancel action unreadable:" << e;
                return;
            }
            auto c = ddi::parseCancel(b);
            if (!c) {
                qCWarning(lcDdi).noquote() << "cancel action unreadable:" << c.error().message;
                return;
            }
            emit cancelRequested(c->actionId, c->stopId);
        });
    }
    auto fetchDeployment = [this](const QUrl &url, bool confirmation) {
        const QString linked = ddi::actionIdFromLink(url);
        if (outbox_.isClosed(linked)) return; // our last word about it is said
        get(url, [this, confirmation, linked](int, const QByteArray &b, const QString &e) {
            if (!e.isEmpty()) { // a transport or HTTP error may pass
                qCWarning(lcDdi).noquote() << "deployment" << linked << "unreadable:" << e;
                return;
            }
            auto d = ddi::parseDeployment(b, config_.controllerBase());
            if (d) {
                if (!confirmation) outbox_.markOpen(d->actionId);
                return emit deploymentOffered(*d, confirmation);
            }
            const QString why = d.error().message;
            qCWarning(lcDdi).noquote() << "deployment" << linked << "unreadable:" << why;
            // A document we cannot read will not pass: the server is told
            // (once, by the connector).
            if (!linked.isEmpty()) {
                if (!confirmation) outbox_.markOpen(linked);
                emit deploymentUnreadable(linked, confirmation, why);
            }
        });
    };
    if (!base->deploymentBase.isEmpty())
        fetchDeployment(base->deploymentBase, false);
    else if (!base->confirmationBase.isEmpty() && !ddi::actionIdFromLink(base->confirmationBase).isEmpty())
        fetchDeployment(base->confirmationBase, true);
    scheduleNext(false);
}

void DdiClient::scheduleNext(bool failed) {
    int seconds = pollSeconds_;
    if (failed) {
        // Back off on errors (a server in trouble is not helped by being
        // hammered), with jitter, but never beyond the configured sleep.
        failures_ = std::min(failures_ + 1, 10);
        seconds = std::min(pollSeconds_, (5 << std::min(failures_, 6)));
        seconds = seconds / 2 + QRandomGenerator::global()->bounded(seconds / 2 + 1);
    } else {
        failures_ = 0;
    }
    pollTimer_.start(std::max(seconds, config_.minPollSeconds) * 1000);
}

void DdiClient::send(const QByteArray &verb, const QUrl &url, const QJsonObject &body, std::function<void(int)> done) {
    ++requests_;
    QNetworkRequest r = request(url);
    r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = network_->sendCustomRequest(r, verb, QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [reply, url, verb, done] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status != 200 && status != 201 && status != 204 && status != 410)
            qCWarning(lcDdi).noquote() << verb << url.path() << "answered" << status << reply->errorString();
        if (done) done(status);
    });
}

void DdiClient::post(const OutgoingFeedback &m, FeedbackOutbox::Done done) {
    const QString resource = m.channel == FeedbackChannel::Cancel         ? QStringLiteral("cancelAction")
                             : m.channel == FeedbackChannel::Confirmation ? QStringLiteral("confirmationBase")
                                                                          : QStringLiteral("deploymentBase");
    QUrl url = config_.controllerBase();
    url.setPath(url.path() + QStringLiteral("/%1/%2/feedback").arg(resource, m.actionId));
    // A confirmed action is offered under deploymentBase once the server
    // took the confirmation: look for it then, not a poll interval later.
    const bool confirmed = m.channel == FeedbackChannel::Confirmation &&
                           m.body.value(QLatin1String("confirmation")).toString() == QLatin1String("confirmed");
    send("POST", url, m.body, [this, done = std::move(done), confirmed](int status) {
        done(status);
        if (confirmed && status == 200) pollNow();
    });
}

void DdiClient::sendFeedback(const QString &actionId, ddi::Execution execution, ddi::Finished finished,
                             const QStringList &details, std::optional<std::pair<int, int>> progress, Kind kind) {
    if (gone_.contains(actionId)) return;
    outbox_.post({actionId, FeedbackChannel::Deployment, execution,
                  ddi::feedback(execution, finished, details, progress), kind == Kind::Progress,
                  kind == Kind::Last || execution == ddi::Execution::Closed});
}

void DdiClient::sendCancelFeedback(const QString &cancelId, bool accepted, const QStringList &details) {
    const ddi::Execution execution = accepted ? ddi::Execution::Closed : ddi::Execution::Rejected;
    outbox_.post({cancelId, FeedbackChannel::Cancel, execution,
                  ddi::feedback(execution, accepted ? ddi::Finished::Success : ddi::Finished::Failure, details), false,
                  accepted});
}

void DdiClient::sendConfirmation(const QString &actionId, bool confirmed, const QStringList &details) {
    OutgoingFeedback m{actionId, FeedbackChannel::Confirmation, ddi::Execution::Proceeding,
                       ddi::confirmation(confirmed, details)};
    outbox_.post(std::move(m));
}

void DdiClient::sendConfigData(const QMap<QString, QString> &attributes) {
    QUrl url = configDataUrl_.isEmpty() ? config_.controllerBase() : configDataUrl_;
    if (configDataUrl_.isEmpty()) url.setPath(url.path() + QStringLiteral("/configData"));
    send("PUT", url, ddi::configData(attributes));
}

void DdiClient::setAutoConfirm(bool on, const QString &initiator) {
    QUrl url = config_.controllerBase();
    url.setPath(url.path() + (on ? QStringLiteral("/confirmationBase/activateAutoConfirm")
                                 : QStringLiteral("/confirmationBase/deactivateAutoConfirm")));
    send("POST", url, on ? QJsonObject{{QStringLiteral("initiator"), initiator}} : QJsonObject{});
}

} // namespace conduit::upstream
