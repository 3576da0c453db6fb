// Test harness: conduit-devserver as a real child process, and small HTTP
// clients (QNetworkAccessManager for ordinary requests, a raw QTcpSocket for
// byte-exact checks). Every wait is bounded and event-driven, never a sleep.
#pragma once

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslConfiguration>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace devtest {

class ServerProcess {
public:
    ~ServerProcess() { stop(); }

    // Starts the server and reads the "listening on URL" line (and the admin line if asked).
    bool start(const QStringList &args, QString *error, bool expectAdmin = false) {
        process_.setProgram(QStringLiteral(CONDUIT_DEVSERVER_PATH));
        process_.setArguments(args);
        process_.setProcessChannelMode(QProcess::SeparateChannels);
        process_.start();
        if (!process_.waitForStarted(10000)) {
            *error = QStringLiteral("did not start: ") + process_.errorString();
            return false;
        }
        const QString first = readLine(error);
        if (!first.startsWith(QStringLiteral("listening on "))) {
            *error += QStringLiteral(" first line: \"%1\" stderr: %2")
                          .arg(first, QString::fromUtf8(process_.readAllStandardError()));
            return false;
        }
        url = first.mid(13).trimmed();
        port = quint16(QUrl(url).port());
        adminUrl = url;
        if (expectAdmin) {
            const QString second = readLine(error);
            if (!second.startsWith(QStringLiteral("admin on "))) {
                *error += QStringLiteral(" second line: \"%1\"").arg(second);
                return false;
            }
            adminUrl = second.mid(9).trimmed();
        }
        return true;
    }

    // SIGTERM, then the exit code (or -1 if it had to be killed).
    int stop() {
        if (process_.state() == QProcess::NotRunning) return process_.exitCode();
        process_.terminate();
        if (!process_.waitForFinished(10000)) {
            process_.kill();
            process_.waitForFinished(5000);
            return -1;
        }
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }

    QString stderrText() { return QString::fromUtf8(process_.readAllStandardError()); }

    QString url;      // e.g. http://127.0.0.1:12345
    QString adminUrl; // same as url unless --admin-port
    quint16 port = 0;

private:
    QString readLine(QString *error) {
        const QDeadlineTimer deadline(15000);
        while (!process_.canReadLine()) {
            if (deadline.hasExpired() || process_.state() == QProcess::NotRunning) {
                *error =
                    QStringLiteral("no line on stdout; stderr: ") + QString::fromUtf8(process_.readAllStandardError());
                return {};
            }
            process_.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
        }
        return QString::fromUtf8(process_.readLine()).trimmed();
    }
    QProcess process_;
};

struct Reply {
    int status = 0; // 0: no HTTP response (connection or TLS failure)
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorText;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray header(const QByteArray &name) const {
        for (const auto &[n, v] : headers)
            if (n.compare(name, Qt::CaseInsensitive) == 0) return v;
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// One request on a fresh manager (no connection or TLS session reuse).
inline Reply request(const QByteArray &method, const QString &url, const QByteArray &body = {},
                     const QList<std::pair<QByteArray, QByteArray>> &headers = {},
                     const std::optional<QSslConfiguration> &tls = std::nullopt, int timeoutMs = 30000) {
    QNetworkAccessManager nam;
    QNetworkRequest req{QUrl(url)};
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &[n, v] : headers) req.setRawHeader(n, v);
    if (tls) req.setSslConfiguration(*tls);
    std::unique_ptr<QNetworkReply> reply(nam.sendCustomRequest(req, method, body));
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished()) loop.exec();
    Reply r;
    if (!reply->isFinished()) {
        reply->abort();
        r.errorText = QStringLiteral("timed out");
        return r;
    }
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.error = reply->error();
    r.errorText = reply->errorString();
    r.body = reply->readAll();
    r.headers = reply->rawHeaderPairs();
    return r;
}

inline Reply get(const QString &url, const QList<std::pair<QByteArray, QByteArray>> &headers = {}) {
    return request("GET", url, {}, headers);
}

inline Reply postJson(const QString &url, const QJsonObject &o) {
    return request("POST", url, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// Writes raw bytes, reads until the server closes or `enough` says stop, bounded by timeoutMs.
inline QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 15000,
                              const std::function<bool(const QByteArray &)> &enough = {},
                              bool *closedByServer = nullptr) {
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(timeoutMs)) return {};
    socket.write(bytes);
    QByteArray in;
    const QDeadlineTimer deadline(timeoutMs);
    bool closed = false;
    while (!deadline.hasExpired()) {
        if (enough && enough(in)) break;
        if (socket.state() != QAbstractSocket::ConnectedState) {
            in += socket.readAll();
            closed = true;
            break;
        }
        if (socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
            in += socket.readAll();
        else if (socket.state() != QAbstractSocket::ConnectedState) {
            in += socket.readAll();
            closed = true;
            break;
        }
    }
    if (closedByServer) *closedByServer = closed;
    return in;
}

// Splits "HTTP/1.1 ..." head and body of the first response in `raw`.
struct RawResponse {
    int status = 0;
    QByteArray head;
    QByteArray body;
    qint64 contentLength = -1;
};
inline RawResponse parseRaw(const QByteArray &raw) {
    RawResponse r;
    const qsizetype end = raw.indexOf("\r\n\r\n");
    if (end < 0) return r;
    r.head = raw.left(end);
    r.body = raw.mid(end + 4);
    r.status = r.head.mid(9, 3).toInt();
    for (const QByteArray &line : r.head.split('\n'))
        if (line.toLower().startsWith("content-length:")) r.contentLength = line.mid(15).trimmed().toLongLong();
    return r;
}

} // namespace devtest
