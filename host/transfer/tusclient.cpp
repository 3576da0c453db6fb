#include "tusclient.h"

#include "curloptions.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

#include <curl/curl.h>

#include <map>

namespace conduit::transfer {

namespace {

constexpr qsizetype kMaxErrorBody = 2048; // of an error answer, kept for the message

enum class Method { Options, Post, Head, Patch };

const char *methodName(Method m) {
    switch (m) {
    case Method::Options: return "OPTIONS";
    case Method::Post: return "POST";
    case Method::Head: return "HEAD";
    case Method::Patch: return "PATCH";
    }
    return "?";
}

// Upload-Expires is an RFC 7231 date ("Wed, 02 Dec 2026 04:15:23 GMT").
qint64 parseHttpDate(const QByteArray &value) {
    if (value.isEmpty()) return 0;
    QDateTime t = QLocale::c().toDateTime(QString::fromLatin1(value).trimmed(),
                                          QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!t.isValid()) return 0;
    t.setTimeZone(QTimeZone::utc());
    return t.toMSecsSinceEpoch();
}

std::optional<qint64> parseCount(const QByteArray &value) {
    bool ok = false;
    const qint64 v = value.trimmed().toLongLong(&ok);
    if (!ok || v < 0) return std::nullopt;
    return v;
}

QStringList parseList(const QByteArray &value) {
    QStringList out;
    for (const QByteArray &part : value.split(','))
        if (!part.trimmed().isEmpty()) out << QString::fromLatin1(part.trimmed());
    return out;
}

} // namespace

QString nameOf(TusError e) {
    switch (e) {
    case TusError::None: return QStringLiteral("none");
    case TusError::Transport: return QStringLiteral("transport");
    case TusError::Server: return QStringLiteral("server");
    case TusError::Conflict: return QStringLiteral("conflict");
    case TusError::Gone: return QStringLiteral("gone");
    case TusError::TooLarge: return QStringLiteral("too-large");
    case TusError::Refused: return QStringLiteral("refused");
    case TusError::Rejected: return QStringLiteral("rejected");
    case TusError::Protocol: return QStringLiteral("protocol");
    case TusError::Source: return QStringLiteral("source");
    case TusError::Aborted: return QStringLiteral("aborted");
    }
    return QStringLiteral("unknown");
}

struct TusClient::Exchange {
    Method method = Method::Head;
    QUrl url;
    QList<QByteArray> headers;
    qint64 bodySize = 0;
    const std::function<qint64(char *, qint64)> *read = nullptr;
    TusClient *client = nullptr;
    bool sourceFailed = false;
    qint64 sent = 0;

    long status = 0;
    std::map<QByteArray, QByteArray> response; // lower-case names
    QByteArray body;

    QByteArray header(const char *name) const {
        const auto it = response.find(QByteArray(name));
        return it == response.end() ? QByteArray() : it->second;
    }

    size_t onHeader(const char *line, size_t size) {
        const QByteArray h = QByteArray::fromRawData(line, qsizetype(size)).trimmed();
        if (h.startsWith("HTTP/")) { // a new response (after a 100 Continue, say)
            response.clear();
        } else if (const qsizetype colon = h.indexOf(':'); colon > 0) {
            response[h.left(colon).trimmed().toLower()] = h.mid(colon + 1).trimmed();
        }
        return size;
    }

    size_t onBody(const char *p, size_t size) {
        const qsizetype room = kMaxErrorBody - body.size();
        if (room > 0) body.append(p, std::min<qsizetype>(room, qsizetype(size)));
        return size;
    }

    size_t onRead(char *buffer, size_t max) {
        const qint64 want = std::min<qint64>(qint64(max), bodySize - sent);
        if (want <= 0) return 0;
        const qint64 n = (*read)(buffer, want);
        if (n <= 0 || n > want) {
            sourceFailed = true;
            return CURL_READFUNC_ABORT;
        }
        sent += n;
        client->bytesSent_.fetch_add(n, std::memory_order_relaxed);
        return size_t(n);
    }

    // What the status means; the message names the request and the answer.
    TusFailure judge() const {
        const QString what = QStringLiteral("tus %1 %2").arg(QLatin1String(methodName(method)), url.toString());
        const QString said = body.trimmed().isEmpty()
                                 ? QString()
                                 : QStringLiteral(": %1").arg(QString::fromUtf8(body.trimmed()).left(300));
        const int s = int(status);
        const auto failure = [&](TusError code, const QString &meaning) {
            return TusFailure{code, s, QStringLiteral("%1: %2 (HTTP %3)%4").arg(what, meaning).arg(s).arg(said)};
        };
        if (s == 404 || s == 410)
            return failure(TusError::Gone, QStringLiteral("the upload is gone (expired or removed)"));
        if (s == 409) return failure(TusError::Conflict, QStringLiteral("the offset is not the server's"));
        if (s == 413) return failure(TusError::TooLarge, QStringLiteral("the upload is larger than the server takes"));
        if (s == 460)
            return failure(TusError::Refused, QStringLiteral("the server's end-to-end hash check refused the object"));
        if (s == 412) return failure(TusError::Rejected, QStringLiteral("the server does not speak tus 1.0.0"));
        if (s == 401 || s == 403) return failure(TusError::Rejected, QStringLiteral("not authorised"));
        if (s == 423 || s == 429 || s >= 500)
            return failure(TusError::Server, QStringLiteral("the server cannot take it now"));
        return failure(TusError::Rejected, QStringLiteral("unexpected answer"));
    }
};

TusClient::TusClient(TusOptions options) : options_(std::move(options)) {
    curlGlobalInit();
    easy_ = curl_easy_init();
}

TusClient::~TusClient() { curl_easy_cleanup(easy_); }

void TusClient::abort() { abort_ = true; }

bool TusClient::perform(Exchange &x, TusFailure *f) {
    if (abort_.load()) {
        *f = {TusError::Aborted, 0, QStringLiteral("the upload was stopped")};
        return false;
    }
    x.client = this;
    char errorBuffer[CURL_ERROR_SIZE] = {};
    curl_easy_reset(easy_); // options only: the connection stays in the handle's cache
    applyCommonOptions(easy_, errorBuffer);
    applyTls(easy_, options_.tls);
    const QByteArray url = x.url.toEncoded();
    curl_easy_setopt(easy_, CURLOPT_URL, url.constData());
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connectTimeoutMs));
    curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, long(options_.stallTimeoutS));
    switch (x.method) {
    case Method::Options: curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, "OPTIONS"); break;
    case Method::Head: curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L); break;
    case Method::Post:
        curl_easy_setopt(easy_, CURLOPT_POST, 1L);
        curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(0));
        break;
    case Method::Patch:
        curl_easy_setopt(easy_, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, "PATCH");
        curl_easy_setopt(easy_, CURLOPT_INFILESIZE_LARGE, curl_off_t(x.bodySize));
        curl_easy_setopt(
            easy_, CURLOPT_READFUNCTION,
            +[](char *b, size_t s, size_t n, void *w) { return static_cast<Exchange *>(w)->onRead(b, s * n); });
        curl_easy_setopt(easy_, CURLOPT_READDATA, &x);
        curl_easy_setopt(easy_, CURLOPT_UPLOAD_BUFFERSIZE, 256L << 10);
        if (options_.bandwidthLimit > 0)
            curl_easy_setopt(easy_, CURLOPT_MAX_SEND_SPEED_LARGE, curl_off_t(options_.bandwidthLimit));
        break;
    }
    curl_slist *headers = nullptr;
    headers = curl_slist_append(headers, "Tus-Resumable: 1.0.0");
    headers = curl_slist_append(headers, "Expect:"); // no 100-continue round trip per chunk
    for (const QByteArray &h : x.headers) headers = curl_slist_append(headers, h.constData());
    for (const auto &h : options_.headers)
        headers = curl_slist_append(headers, (h.first + ": " + h.second).constData());
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(
        easy_, CURLOPT_HEADERFUNCTION,
        +[](char *b, size_t s, size_t n, void *w) { return static_cast<Exchange *>(w)->onHeader(b, s * n); });
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(
        easy_, CURLOPT_WRITEFUNCTION,
        +[](char *b, size_t s, size_t n, void *w) { return static_cast<Exchange *>(w)->onBody(b, s * n); });
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(easy_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(
        easy_, CURLOPT_XFERINFOFUNCTION, +[](void *c, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
            return static_cast<TusClient *>(c)->abort_.load() ? 1 : 0;
        });
    curl_easy_setopt(easy_, CURLOPT_XFERINFODATA, this);
    const CURLcode code = curl_easy_perform(easy_);
    curl_slist_free_all(headers);
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &x.status);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, nullptr); // errorBuffer ends here
    const QString what = QStringLiteral("tus %1 %2").arg(QLatin1String(methodName(x.method)), x.url.toString());
    if (abort_.load()) {
        *f = {TusError::Aborted, 0, QStringLiteral("%1: the upload was stopped").arg(what)};
        return false;
    }
    if (x.sourceFailed) {
        *f = {TusError::Source, 0, QStringLiteral("%1: the bytes to send could not be read").arg(what)};
        return false;
    }
    if (code != CURLE_OK) {
        const QString why =
            errorBuffer[0] ? QString::fromLocal8Bit(errorBuffer) : QString::fromLatin1(curl_easy_strerror(code));
        *f = {TusError::Transport, int(x.status), QStringLiteral("%1: %2").arg(what, why)};
        return false;
    }
    if (x.status < 200 || x.status > 299) {
        *f = x.judge();
        return false;
    }
    return true;
}

bool TusClient::discover(TusServerInfo *out, TusFailure *f) {
    Exchange x;
    x.method = Method::Options;
    x.url = options_.endpoint;
    if (!perform(x, f)) return false;
    out->versions = parseList(x.header("tus-version"));
    out->extensions = parseList(x.header("tus-extension"));
    out->maxSize = parseCount(x.header("tus-max-size")).value_or(0);
    const QString where = options_.endpoint.toString();
    if (!out->versions.contains(QStringLiteral("1.0.0"))) {
        *f = {TusError::Protocol, int(x.status),
              QStringLiteral("tus server %1 does not offer version 1.0.0 (Tus-Version: %2)")
                  .arg(where, out->versions.join(QLatin1Char(',')))};
        return false;
    }
    if (!out->extensions.contains(QStringLiteral("creation"))) {
        *f = {TusError::Protocol, int(x.status),
              QStringLiteral("tus server %1 lacks the creation extension (Tus-Extension: %2)")
                  .arg(where, out->extensions.join(QLatin1Char(',')))};
        return false;
    }
    return true;
}

bool TusClient::create(qint64 length, const QList<QPair<QByteArray, QByteArray>> &metadata, QUrl *location,
                       TusUploadInfo *out, TusFailure *f) {
    Exchange x;
    x.method = Method::Post;
    x.url = options_.endpoint;
    QByteArray meta;
    for (const auto &[key, value] : metadata) {
        if (!meta.isEmpty()) meta += ',';
        meta += key + ' ' + value.toBase64();
    }
    x.headers << "Upload-Length: " + QByteArray::number(length);
    if (!meta.isEmpty()) x.headers << "Upload-Metadata: " + meta;
    if (!perform(x, f)) return false;
    const QByteArray where = x.header("location");
    if (x.status != 201 || where.isEmpty()) {
        *f = {TusError::Protocol, int(x.status),
              QStringLiteral("tus POST %1: the server answered %2 without an upload Location")
                  .arg(options_.endpoint.toString())
                  .arg(x.status)};
        return false;
    }
    *location = options_.endpoint.resolved(QUrl::fromEncoded(where));
    *out = {0, length, parseHttpDate(x.header("upload-expires"))};
    return true;
}

bool TusClient::head(const QUrl &upload, TusUploadInfo *out, TusFailure *f) {
    Exchange x;
    x.method = Method::Head;
    x.url = upload;
    if (!perform(x, f)) return false;
    const auto offset = parseCount(x.header("upload-offset"));
    if (!offset) {
        *f = {TusError::Protocol, int(x.status),
              QStringLiteral("tus HEAD %1: no valid Upload-Offset in the answer").arg(upload.toString())};
        return false;
    }
    *out = {*offset, parseCount(x.header("upload-length")).value_or(-1), parseHttpDate(x.header("upload-expires"))};
    return true;
}

bool TusClient::patch(const QUrl &upload, qint64 offset, qint64 size, const std::function<qint64(char *, qint64)> &read,
                      TusUploadInfo *out, TusFailure *f) {
    Exchange x;
    x.method = Method::Patch;
    x.url = upload;
    x.bodySize = size;
    x.read = &read;
    x.headers << "Upload-Offset: " + QByteArray::number(offset)
              << QByteArrayLiteral("Content-Type: application/offset+octet-stream");
    if (!perform(x, f)) return false;
    const auto now = parseCount(x.header("upload-offset"));
    if (!now || *now != offset + size) {
        *f = {TusError::Protocol, int(x.status),
              QStringLiteral("tus PATCH %1: the server confirmed offset %2, not %3")
                  .arg(upload.toString(), now ? QString::number(*now) : QStringLiteral("(none)"))
                  .arg(offset + size)};
        return false;
    }
    *out = {*now, -1, parseHttpDate(x.header("upload-expires"))};
    return true;
}

} // namespace conduit::transfer
