// The hawkBit DDI v1 protocol client (docs/upstream.md): polls the
// controller base, follows its links, fetches deployments, cancel actions
// and confirmation requests, and sends feedback exactly per the DDI model:
// throttled progress, nothing more to an action once the server said 410.
// Policy (what to install, when) is DdiConnector's business, not this one's.
#pragma once

#include "ddimodel.h"

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
    QUrl server;                    // e.g. https://hawkbit.example:8443
    QString tenant = QStringLiteral("DEFAULT");
    QString controllerId;           // this vehicle
    QString targetToken;            // Authorization: TargetToken ...
    QString gatewayToken;           // or GatewayToken ...
    std::optional<QSslConfiguration> tls; // CA pinning, client certificate
    int minPollSeconds = 1;         // never poll faster, whatever the server says
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

    // Feedback to deploymentBase/{action}/feedback. Progress-only updates
    // (same execution as the last one sent) are throttled.
    void sendFeedback(const QString &actionId, ddi::Execution execution, ddi::Finished finished,
                      const QStringList &details, std::optional<std::pair<int, int>> progress = std::nullopt);
    void sendCancelFeedback(const QString &cancelId, bool accepted, const QStringList &details);
    void sendConfirmation(const QString &actionId, bool confirmed, const QStringList &details);
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
    void pollFailed(const QString &reason);
    void polled();

private:
    QNetworkRequest request(const QUrl &url) const;
    void get(const QUrl &url, std::function<void(int status, const QByteArray &body, const QString &error)> done);
    void send(const QByteArray &verb, const QUrl &url, const QJsonObject &body, const QString &actionId);
    void onBase(int status, const QByteArray &body, const QString &error);
    void scheduleNext(bool failed);

    QNetworkAccessManager *network_;
    DdiConfig config_;
    QTimer pollTimer_;
    int pollSeconds_ = 60;
    int failures_ = 0;
    bool polling_ = false;
    QSet<QString> gone_;
    struct LastFeedback {
        ddi::Execution execution;
        QElapsedTimer sent;
    };
    QHash<QString, LastFeedback> last_;
    QUrl configDataUrl_;
    int requests_ = 0;
};

} // namespace conduit::upstream
