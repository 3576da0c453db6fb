#include "devserver.h"

#include "adminapi.h"
#include "ddiapi.h"
#include "devserverlog.h"
#include "staticfiles.h"

#include <QFileInfo>
#include <QSslServer>

Q_LOGGING_CATEGORY(lcDevServer, "conduit.devserver")

namespace conduit::devserver {

DevServer::DevServer(ServerOptions options, QObject *parent) : QObject(parent), options_(std::move(options)) {}

DevServer::~DevServer() = default;

bool DevServer::listen(quint16 port, QString *error) {
    if (options_.tls) {
        auto ssl = std::make_unique<QSslServer>();
        ssl->setSslConfiguration(*options_.tls);
        connect(ssl.get(), &QSslServer::peerVerifyError, this, [](QSslSocket *, const QSslError &e) {
            qCWarning(lcDevServer) << "client certificate refused:" << e.errorString();
        });
        connect(ssl.get(), &QSslServer::errorOccurred, this, [](QSslSocket *s, QAbstractSocket::SocketError) {
            qCInfo(lcDevServer) << "TLS connection failed:" << s->errorString();
        });
        listener_ = std::move(ssl);
    } else {
        listener_ = std::make_unique<QTcpServer>();
    }
    QTcpServer *l = listener_.get();
    connect(l, &QTcpServer::pendingConnectionAvailable, this,
            [this, l] { accept(l, options_.tls.has_value(), false); });
    if (!l->listen(QHostAddress::LocalHost, port)) {
        *error = l->errorString();
        return false;
    }
    return true;
}

bool DevServer::listenAdmin(quint16 port, QString *error) {
    adminListener_ = std::make_unique<QTcpServer>();
    QTcpServer *l = adminListener_.get();
    connect(l, &QTcpServer::pendingConnectionAvailable, this, [this, l] { accept(l, false, true); });
    if (!l->listen(QHostAddress::LocalHost, port)) {
        *error = l->errorString();
        return false;
    }
    return true;
}

quint16 DevServer::port() const { return listener_ ? listener_->serverPort() : 0; }

quint16 DevServer::adminPort() const { return adminListener_ ? adminListener_->serverPort() : 0; }

QString DevServer::url() const {
    return QStringLiteral("%1://127.0.0.1:%2")
        .arg(options_.tls ? QStringLiteral("https") : QStringLiteral("http"))
        .arg(port());
}

void DevServer::close() {
    if (listener_) listener_->close();
    if (adminListener_) adminListener_->close();
}

void DevServer::accept(QTcpServer *listener, bool tls, bool adminOnly) {
    while (QTcpSocket *socket = listener->nextPendingConnection()) {
        if (openConnections_ >= options_.maxConnections) {
            qCWarning(lcDevServer) << "connection limit reached; refusing a connection";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++openConnections_;
        ++stats_.connections;
        auto *connection = new HttpConnection(
            socket, tls, options_.limits, [this, adminOnly](HttpRequest &r) { return handle(r, adminOnly); },
            [this](const QString &key, const QString &path, qint64 bytes) { countBody(key, path, bytes); }, this);
        connect(connection, &HttpConnection::closed, this, [this] { --openConnections_; });
    }
}

void DevServer::countBody(const QString &key, const QString &path, qint64 bytes) {
    stats_.paths[path].bodyBytes += bytes;
    if (!key.isEmpty()) stats_.keys[key].bodyBytes += bytes;
}

bool DevServer::authorized(const HttpRequest &request) const {
    const AuthConfig &auth = options_.auth;
    if (!auth.required()) return true;
    const QByteArray header = request.header("authorization").trimmed();
    const qsizetype space = header.indexOf(' ');
    if (space <= 0) return false;
    const QByteArray scheme = header.left(space).toLower();
    const QString token = QString::fromUtf8(header.mid(space + 1).trimmed());
    if (token.isEmpty()) return false;
    if (scheme == "gatewaytoken") return !auth.gatewayToken.isEmpty() && token == auth.gatewayToken;
    if (scheme == "targettoken") {
        const auto it = auth.targetTokens.find(ddiController(request));
        return it != auth.targetTokens.end() && *it == token;
    }
    return false;
}

HttpResponse DevServer::route(HttpRequest &request) {
    const QString top = request.segments.value(0);
    if (top == u"repo" && request.segments.size() >= 3) {
        const auto root = options_.repositories.find(request.segments[1]);
        if (root == options_.repositories.end())
            return HttpResponse::error(404, QStringLiteral("no repository %1").arg(request.segments[1]));
        if (request.method != "GET" && request.method != "HEAD") {
            HttpResponse r = HttpResponse::error(405, QStringLiteral("repositories are read-only"));
            r.setHeader("Allow", "GET, HEAD");
            return r;
        }
        const auto file = resolveUnder(*root, request.segments.mid(2));
        if (!file) return HttpResponse::error(404, QStringLiteral("no file %1").arg(request.path));
        const QFileInfo info(*file);
        const QByteArray etag = '"' + QByteArray::number(info.size(), 16) + '-' +
                                QByteArray::number(info.lastModified().toMSecsSinceEpoch(), 16) + '"';
        const QByteArray type =
            file->endsWith(QStringLiteral(".json")) ? "application/json" : "application/octet-stream";
        HttpResponse r = fileResponse(request, *file, info.size(), etag, type);
        if (r.file) r.statsKey = QStringLiteral("repo:") + request.segments.mid(1).join(u'/');
        return r;
    }
    if (isDdiPath(request)) {
        if (!authorized(request)) {
            qCInfo(lcDevServer) << "401 for" << request.path;
            HttpResponse r =
                HttpResponse::error(401, QStringLiteral("a valid TargetToken or GatewayToken is required"));
            r.setHeader("WWW-Authenticate", "TargetToken");
            return r;
        }
        DdiContext ctx{store_, options_.pollSleep};
        return handleDdi(ctx, request);
    }
    return HttpResponse::error(404, QStringLiteral("no resource at %1").arg(request.path));
}

Delivery DevServer::handle(HttpRequest &request, bool adminOnly) {
    ++stats_.requests;
    ++stats_.paths[request.path].requests;
    Delivery d;
    const bool admin = request.segments.value(0) == u"admin";
    if (admin) {
        // Only the machine itself may steer the server (listeners are on
        // 127.0.0.1 anyway; this also holds if that ever changes).
        d.response = request.loopbackPeer ? handleAdmin(*this, request)
                                          : HttpResponse::error(403, QStringLiteral("admin API is loopback-only"));
    } else if (adminOnly) {
        d.response = HttpResponse::error(404, QStringLiteral("the admin listener serves /admin only"));
    } else if (const auto status = faults_.statusFor(request)) {
        d.response = HttpResponse::error(*status, QStringLiteral("injected fault"));
        if (*status == 503) d.response.setHeader("Retry-After", "1");
    } else {
        d.response = route(request);
        d.faults = faults_.deliveryFor(request, d.response);
    }
    if (!d.response.statsKey.isEmpty()) ++stats_.keys[d.response.statsKey].requests;
    ++stats_.byStatus[d.response.status];
    qCDebug(lcDevServer).noquote() << request.method << request.target << "->" << d.response.status;
    return d;
}

} // namespace conduit::devserver
