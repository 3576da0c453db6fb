// The dev server: loopback listeners (HTTP or TLS, optional mutual TLS),
// request routing (DDI, TUF repositories, admin API), authentication,
// faults and transfer statistics.
#pragma once

#include "actionstore.h"
#include "faults.h"
#include "httpconnection.h"

#include <QMap>
#include <QObject>
#include <QSslConfiguration>
#include <QTcpServer>

#include <memory>
#include <optional>

namespace conduit::devserver {

struct AuthConfig {
    QString gatewayToken;                // empty: no gateway token accepted
    QMap<QString, QString> targetTokens; // controller id -> TargetToken
    bool required() const { return !gatewayToken.isEmpty() || !targetTokens.isEmpty(); }
};

struct TransferCount {
    qint64 requests = 0;
    qint64 bodyBytes = 0;
};

struct Stats {
    qint64 requests = 0;
    qint64 connections = 0;
    QMap<int, qint64> byStatus;
    QMap<QString, TransferCount> paths; // by request path
    QMap<QString, TransferCount> keys;  // by HttpResponse::statsKey (artifacts, repo files)
};

struct ServerOptions {
    QMap<QString, QString> repositories; // "director" -> dir, "image" -> dir
    std::optional<QSslConfiguration> tls;
    HttpLimits limits;
    QString pollSleep = QStringLiteral("00:00:10");
    AuthConfig auth;
    int maxConnections = 256;
};

class DevServer : public QObject {
    Q_OBJECT
public:
    explicit DevServer(ServerOptions options, QObject *parent = nullptr);
    ~DevServer() override;

    // Listens on 127.0.0.1:port (0 picks one). adminOnly: plain HTTP, /admin only.
    bool listen(quint16 port, QString *error);
    bool listenAdmin(quint16 port, QString *error);
    quint16 port() const;
    quint16 adminPort() const;
    QString url() const;
    void close();

    ActionStore &store() { return store_; }
    FaultSet &faults() { return faults_; }
    Stats &stats() { return stats_; }
    AuthConfig &auth() { return options_.auth; }
    QString &pollSleep() { return options_.pollSleep; }
    const ServerOptions &options() const { return options_; }

private:
    void accept(QTcpServer *listener, bool tls, bool adminOnly);
    Delivery handle(HttpRequest &request, bool adminOnly);
    HttpResponse route(HttpRequest &request);
    bool authorized(const HttpRequest &request) const;
    void countBody(const QString &key, const QString &path, qint64 bytes);

    ServerOptions options_;
    ActionStore store_;
    FaultSet faults_;
    Stats stats_;
    std::unique_ptr<QTcpServer> listener_;
    std::unique_ptr<QTcpServer> adminListener_;
    int openConnections_ = 0;
};

} // namespace conduit::devserver
