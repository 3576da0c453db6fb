// HTTP/1.1 request and response as the dev server's handlers see them.
// Bodies of responses are either bytes in memory (JSON, small files) or a
// byte range of a file on disk, streamed by the connection in bounded chunks.
#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QList>
#include <QString>
#include <QUrlQuery>

#include <optional>
#include <utility>

namespace conduit::devserver {

struct HttpRequest {
    QByteArray method;    // "GET", "POST", ... (case-sensitive, RFC 9110)
    QByteArray target;    // raw request-target, e.g. "/a/b?c=1"
    QStringList segments; // percent-decoded path segments, no empty ones
    QString path;         // percent-decoded path, for prefix matching and logs
    QUrlQuery query;
    QByteArray version;                               // "HTTP/1.1" or "HTTP/1.0"
    QList<std::pair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    bool loopbackPeer = false;
    bool tls = false;
    quint16 localPort = 0;

    QByteArray header(const QByteArray &lowerName) const {
        for (const auto &[name, value] : headers)
            if (name == lowerName) return value;
        return {};
    }
    bool hasHeader(const QByteArray &lowerName) const {
        for (const auto &h : headers)
            if (h.first == lowerName) return true;
        return false;
    }
};

// A file region to stream; `length` bytes from `offset`.
struct FileBody {
    QString path;
    qint64 offset = 0;
    qint64 length = 0;
};

struct HttpResponse {
    int status = 200;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    std::optional<FileBody> file;
    // Counted in /admin/stats under this key when non-empty (artifacts, repo files).
    QString statsKey;
    bool closeAfter = false;

    void setHeader(const QByteArray &name, const QByteArray &value) {
        for (auto &h : headers)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
                h.second = value;
                return;
            }
        headers.append({name, value});
    }
    qint64 bodyLength() const { return file ? file->length : body.size(); }

    static HttpResponse json(int status, const QJsonDocument &doc) {
        HttpResponse r;
        r.status = status;
        r.body = doc.toJson(QJsonDocument::Compact);
        r.setHeader("Content-Type", "application/hal+json;charset=UTF-8");
        return r;
    }
    // Error bodies follow hawkBit's ExceptionInfo shape loosely: errorCode + message.
    static HttpResponse error(int status, const QString &message);
    static HttpResponse empty(int status) {
        HttpResponse r;
        r.status = status;
        return r;
    }
};

QByteArray reasonPhrase(int status);

} // namespace conduit::devserver
