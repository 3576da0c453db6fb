// The hawkBit DDI v1 protocol client (docs/upstream.md): polls the
// controller base, follows its links, fetches deployments, cancel actions
// and confirmation requests, and sends feedback exactly per the DDI model:
// throttled progress, nothing more to an action once the server said 410.
// Policy (what to install, when) is DdiConnector's business, not this one's.
#pragma once

#include "ddimodel.h"
#include "ddioutbox.h"

#include <QElapsedTimer>
#include <QHash>
#include <QNetworkRequest>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace conduit::upstream {

struct DdiConfig {
    QUrl server; // e.g. https://hawkbit.example:8443
    QString tenant = QStringLiteral("DEFAULT");
    QString controllerId;                 // this vehicle
    QString targetToken;                  // Authorization: TargetToken ...
    QString gatewayToken;                 // or GatewayToken ...
    std::optional<QSslConfiguration> tls; // CA pinning, client certificate
    int minPollSeconds = 1;               // never poll faster, whatever the server says
    int maxPollSeconds = 86400;
    int progressFeedbackSeconds = 5; // proceeding feedback at most this often
    int requestTimeoutMs = 30000;
    QUrl controllerBase() const;
    QList<QPair<QByteArray, QByteArray>> authHeaders() const;
};

class DdiClient : public QObject {
    Q_OBJECT
public:
    DdiClient(QNetworkAccessManager *network, DdiConfig config, QObject *parent = nullptr);

    void start();
    void stop();
    void pollNow();
    int pollSeconds() const { return pollSeconds_; }
    const DdiConfig &config() const { return config_; }

    // How a message relates to the action (FeedbackOutbox): a step, an
    // update of the current step's progress (coalesced, throttled), or the
    // last word about the action (nothing is sent after it). `closed` is
    // always the last word.
    enum class Kind { Step, Progress, Last };
    // Feedback to deploymentBase/{action}/feedback, in order, once the
    // server shows the action under deploymentBase.
    void sendFeedback(const QString &actionId, ddi::Execution execution, ddi::Finished finished,
                      const QStringList &details, std::optional<std::pair<int, int>> progress = std::nullopt,
                      Kind kind = Kind::Step);
    // An accepted cancel is the last word about the action.
    void sendCancelFeedback(const QString &cancelId, bool accepted, const QStringList &details);
    // A confirmed action is polled for at once (its deploymentBase).
    void sendConfirmation(const QString &actionId, bool confirmed, const QStringList &details);
    FeedbackOutbox *outbox() { return &outbox_; }
    void sendConfigData(const QMap<QString, QString> &attributes);
    void setAutoConfirm(bool on, const QString &initiator = QStringLiteral("driver"));
    // True once the server answered 410 Gone for the action.
    bool isGone(const QString &actionId) const { return gone_.contains(actionId); }
    int requestsSent() const { return requests_; }

signals:
    void deploymentOffered(const conduit::upstream::ddi::Deployment &deployment, bool needsConfirmation);
    void cancelRequested(const QString &cancelId, const QString &stopId);
    void configDataRequested();
    void actionGone(const QString &actionId);
    // The server offers an action we cannot read (a 200 with a body that is
    // not a valid deployment): `viaConfirmation` says which resource.
    void deploymentUnreadable(const QString &actionId, bool viaConfirmation, const QString &reason);
    void pollFailed(const QString &reason);
    void polled();

private:
    QNetworkRequest request(const QUrl &url) const;
    void get(const QUrl &url, std::function<void(int status, const QByteArray &body, const QString &error)> done);
    void send(const QByteArray &verb, const QUrl &url, const QJsonObject &body,
              std::function<void(int status)> done = {});
    void post(const OutgoingFeedback &message, FeedbackOutbox::Done done);
    void onBase(int status, const QByteArray &body, const QString &error);
    void scheduleNext(bool failed);

    QNetworkAccessManager *network_;
    DdiConfig config_;
    QTimer pollTimer_;
    int pollSeconds_ = 60;
    int failures_ = 0;
    bool polling_ = false;
    QSet<QString> gone_;
    FeedbackOutbox outbox_;
    QUrl configDataUrl_;
    int requests_ = 0;
};

} // namespace conduit::upstream
