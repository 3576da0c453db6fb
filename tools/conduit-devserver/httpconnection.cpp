#include "httpconnection.h"

#include "devserverlog.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QSslSocket>
#include <QUrl>

namespace conduit::devserver {

namespace {

bool isTokenChar(char c) {
    if (c >= 'a' && c <= 'z') return true;
    if (c >= 'A' && c <= 'Z') return true;
    if (c >= '0' && c <= '9') return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView s) {
    if (s.isEmpty()) return false;
    for (char c : s)
        if (!isTokenChar(c)) return false;
    return true;
}

bool hasControlChars(QByteArrayView s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) return true;
    }
    return false;
}

} // namespace

HttpResponse HttpResponse::error(int status, const QString &message) {
    QJsonObject o{{QStringLiteral("status"), status},
                  {QStringLiteral("errorCode"), QString::fromLatin1(reasonPhrase(status))},
                  {QStringLiteral("message"), message}};
    HttpResponse r = json(status, QJsonDocument(o));
    r.setHeader("Content-Type", "application/json;charset=UTF-8");
    return r;
}

QByteArray reasonPhrase(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}

HttpConnection::HttpConnection(QTcpSocket *socket, bool tls, const HttpLimits &limits, Handler handler,
                               BodyCounter counter, QObject *parent)
    : QObject(parent), socket_(socket), tls_(tls), limits_(limits), handler_(std::move(handler)),
      counter_(std::move(counter)) {
    socket->setParent(this);
    idle_.setSingleShot(true);
    idle_.setInterval(limits_.idleTimeoutMs);
    connect(&idle_, &QTimer::timeout, this, [this] {
        if (headerDelayed_) { // an injected delay is not idleness
            idle_.start();
            return;
        }
        qCDebug(lcDevServer) << "closing idle connection";
        if (socket_) socket_->abort();
    });
    throttleTimer_.setSingleShot(true);
    connect(&throttleTimer_, &QTimer::timeout, this, &HttpConnection::pump);
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    // With TLS, bytesWritten reports plaintext as soon as it is encrypted; the
    // ciphertext waits in a second buffer, which must drain too.
    if (auto *ssl = qobject_cast<QSslSocket *>(socket))
        connect(ssl, &QSslSocket::encryptedBytesWritten, this, [this](qint64) { onBytesWritten(0); });
    connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::shutdown);
    connect(socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (socket_ && socket_->state() != QAbstractSocket::ConnectedState) shutdown();
    });
    idle_.start();
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::shutdown() {
    if (shuttingDown_) return;
    shuttingDown_ = true;
    idle_.stop();
    throttleTimer_.stop();
    file_.close();
    emit closed();
    deleteLater();
}

void HttpConnection::touch() { idle_.start(); }

void HttpConnection::onReadyRead() {
    if (!socket_) return;
    touch();
    buffer_ += socket_->readAll();
    // A client may pipeline, but not without bound while we are busy.
    if (buffer_.size() > limits_.maxHeaderBytes + limits_.maxBodyBytes + 1024) {
        qCWarning(lcDevServer) << "input buffer over limit; closing connection";
        socket_->abort();
        return;
    }
    if (!busy_) processBuffer();
}

void HttpConnection::processBuffer() {
    while (!busy_ && socket_ && socket_->state() == QAbstractSocket::ConnectedState) {
        if (!headParsed_) {
            const qsizetype end = buffer_.indexOf("\r\n\r\n");
            if (end < 0) {
                if (buffer_.size() > limits_.maxHeaderBytes)
                    return failRequest(HttpResponse::error(431, QStringLiteral("request header section too large")));
                return;
            }
            if (end + 4 > limits_.maxHeaderBytes)
                return failRequest(HttpResponse::error(431, QStringLiteral("request header section too large")));
            request_ = HttpRequest();
            if (auto bad = parseHead(end)) return failRequest(*bad);
            buffer_.remove(0, end + 4);
            headParsed_ = true;
            sentContinue_ = false;
        }
        if (buffer_.size() < bodyNeeded_) {
            if (!sentContinue_ && request_.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0) {
                const QByteArray interim = "HTTP/1.1 100 Continue\r\n\r\n";
                nonBodyPending_ += interim.size();
                socket_->write(interim);
                sentContinue_ = true;
            }
            return;
        }
        request_.body = buffer_.left(bodyNeeded_);
        buffer_.remove(0, bodyNeeded_);
        headParsed_ = false;
        dispatch();
    }
}

std::optional<HttpResponse> HttpConnection::parseHead(qsizetype end) {
    const QByteArray head = buffer_.left(end);
    const QList<QByteArray> lines = head.split('\n');
    QList<QByteArray> clean;
    for (const QByteArray &l : lines) {
        if (!l.endsWith('\r') && &l != &lines.last())
            return HttpResponse::error(400, QStringLiteral("header lines must end with CRLF"));
        clean.append(l.endsWith('\r') ? l.chopped(1) : l);
    }
    const QList<QByteArray> requestLine = clean.value(0).split(' ');
    if (requestLine.size() != 3) return HttpResponse::error(400, QStringLiteral("malformed request line"));
    request_.method = requestLine[0];
    request_.target = requestLine[1];
    request_.version = requestLine[2];
    if (!isToken(request_.method)) return HttpResponse::error(400, QStringLiteral("malformed method"));
    if (request_.target.size() > limits_.maxTargetBytes)
        return HttpResponse::error(414,
                                   QStringLiteral("request target longer than %1 bytes").arg(limits_.maxTargetBytes));
    if (!request_.target.startsWith('/') || hasControlChars(request_.target) || request_.target.contains(' '))
        return HttpResponse::error(400, QStringLiteral("request target must be an absolute path"));
    if (request_.version != "HTTP/1.1" && request_.version != "HTTP/1.0") {
        if (request_.version.startsWith("HTTP/"))
            return HttpResponse::error(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are served"));
        return HttpResponse::error(400, QStringLiteral("malformed HTTP version"));
    }
    if (clean.size() - 1 > limits_.maxHeaderCount)
        return HttpResponse::error(431, QStringLiteral("more than %1 header fields").arg(limits_.maxHeaderCount));
    for (qsizetype i = 1; i < clean.size(); ++i) {
        const QByteArray &line = clean[i];
        if (line.startsWith(' ') || line.startsWith('\t'))
            return HttpResponse::error(400, QStringLiteral("obsolete header line folding is refused"));
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon)))
            return HttpResponse::error(400, QStringLiteral("malformed header field"));
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (hasControlChars(value))
            return HttpResponse::error(400, QStringLiteral("control character in header field"));
        request_.headers.append({line.left(colon).toLower(), value});
    }
    if (request_.version == "HTTP/1.1" && !request_.hasHeader("host"))
        return HttpResponse::error(400, QStringLiteral("HTTP/1.1 request without Host"));
    if (request_.hasHeader("transfer-encoding"))
        return HttpResponse::error(501, QStringLiteral("Transfer-Encoding is not supported; send Content-Length"));

    bodyNeeded_ = 0;
    bool seenLength = false;
    for (const auto &[name, value] : request_.headers) {
        if (name != "content-length") continue;
        bool ok = !value.isEmpty();
        for (char c : value) ok = ok && c >= '0' && c <= '9';
        const qint64 length = ok && value.size() <= 18 ? value.toLongLong(&ok) : -1;
        if (!ok || length < 0) return HttpResponse::error(400, QStringLiteral("malformed Content-Length"));
        if (seenLength && length != bodyNeeded_)
            return HttpResponse::error(400, QStringLiteral("conflicting Content-Length fields"));
        seenLength = true;
        bodyNeeded_ = length;
    }
    if (bodyNeeded_ > limits_.maxBodyBytes)
        return HttpResponse::error(413, QStringLiteral("request body larger than %1 bytes").arg(limits_.maxBodyBytes));

    // Path: split the raw path, then decode each segment, so an encoded '/'
    // can never create a new segment.
    const qsizetype q = request_.target.indexOf('?');
    const QByteArray rawPath = q < 0 ? request_.target : request_.target.left(q);
    if (q >= 0) request_.query = QUrlQuery(QString::fromUtf8(request_.target.mid(q + 1)));
    for (const QByteArray &raw : rawPath.split('/')) {
        if (raw.isEmpty()) continue;
        const QByteArray decoded = QByteArray::fromPercentEncoding(raw);
        if (decoded.contains('/') || decoded.contains('\0') || decoded.contains('\\'))
            return HttpResponse::error(400, QStringLiteral("path segment with an encoded separator or NUL"));
        request_.segments.append(QString::fromUtf8(decoded));
    }
    request_.path = u'/' + request_.segments.join(u'/');
    request_.tls = tls_;
    request_.localPort = socket_->localPort();
    request_.loopbackPeer = socket_->peerAddress().isLoopback();
    return std::nullopt;
}

void HttpConnection::failRequest(const HttpResponse &response) {
    qCInfo(lcDevServer) << "refusing malformed request:" << response.status << response.body;
    busy_ = true;
    delivery_ = Delivery{response, {}};
    delivery_.response.closeAfter = true;
    headOnly_ = false;
    buffer_.clear();
    writeHead();
}

void HttpConnection::dispatch() {
    busy_ = true;
    delivery_ = handler_(request_);
    headOnly_ = request_.method == "HEAD";
    const QByteArray connection = request_.header("connection").toLower();
    const bool keepAlive =
        request_.version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive");
    if (!keepAlive) delivery_.response.closeAfter = true;
    if (delivery_.faults.headerDelayMs > 0) {
        headerDelayed_ = true;
        QTimer::singleShot(delivery_.faults.headerDelayMs, this, &HttpConnection::writeHead);
    } else
        writeHead();
}

void HttpConnection::writeHead() {
    headerDelayed_ = false;
    if (!socket_) return;
    HttpResponse &r = delivery_.response;
    closeAfter_ = r.closeAfter;
    const qint64 length = r.bodyLength();
    QByteArray head = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + reasonPhrase(r.status) + "\r\n";
    for (const auto &[name, value] : r.headers) head += name + ": " + value + "\r\n";
    head += "Content-Length: " + QByteArray::number(length) + "\r\n";
    if (closeAfter_) head += "Connection: close\r\n";
    head += "\r\n";

    bodyQueued_ = 0;
    bodyToSend_ = headOnly_ ? 0 : length;
    dropping_ = false;
    if (delivery_.faults.dropAfterBodyBytes && *delivery_.faults.dropAfterBodyBytes < bodyToSend_) {
        bodyToSend_ = *delivery_.faults.dropAfterBodyBytes;
        dropping_ = true;
        qCInfo(lcDevServer) << "fault: dropping" << request_.path << "after" << bodyToSend_ << "body bytes";
    }
    allQueued_ = false;
    if (r.file && bodyToSend_ > 0) {
        file_.setFileName(r.file->path);
        if (!file_.open(QIODevice::ReadOnly) || !file_.seek(r.file->offset)) {
            qCWarning(lcDevServer) << "cannot read" << r.file->path << file_.errorString();
            socket_->abort();
            return;
        }
    }
    nonBodyPending_ += head.size();
    sendClock_.start();
    socket_->write(head);
    touch();
    pump();
}

void HttpConnection::pump() {
    if (!socket_ || allQueued_) return;
    const DeliveryFaults &f = delivery_.faults;
    while (bodyQueued_ < bodyToSend_ && pending() < kHighWater) {
        qint64 n = std::min(kChunk, bodyToSend_ - bodyQueued_);
        if (f.throttleBytesPerSecond > 0) {
            // Token bucket: what the rate allows since the response started,
            // with a burst of at most 1/20 s worth.
            const qint64 burst = std::max<qint64>(1, f.throttleBytesPerSecond / 20);
            const qint64 allowed = f.throttleBytesPerSecond * sendClock_.elapsed() / 1000 + burst;
            const qint64 budget = allowed - bodyQueued_;
            if (budget <= 0) {
                const qint64 waitMs = std::max<qint64>(1, (-budget + burst) * 1000 / f.throttleBytesPerSecond);
                throttleTimer_.start(int(std::min<qint64>(waitMs, 200)));
                return;
            }
            n = std::min({n, budget, burst});
        }
        QByteArray chunk;
        if (delivery_.response.file) {
            const qint64 position = delivery_.response.file->offset + bodyQueued_;
            chunk = file_.read(n);
            if (chunk.size() != n) {
                qCWarning(lcDevServer) << "short read from" << file_.fileName() << "(file changed?)";
                socket_->abort();
                return;
            }
            if (f.corruptFileOffset && *f.corruptFileOffset >= position && *f.corruptFileOffset < position + n) {
                chunk[*f.corruptFileOffset - position] = char(chunk[*f.corruptFileOffset - position] ^ 0xff);
                qCInfo(lcDevServer) << "fault: corrupted byte" << *f.corruptFileOffset << "of" << request_.path;
            }
        } else {
            chunk = delivery_.response.body.mid(bodyQueued_, n);
        }
        socket_->write(chunk);
        bodyQueued_ += n;
    }
    if (bodyQueued_ >= bodyToSend_) {
        allQueued_ = true;
        file_.close();
        if (pending() == 0) finishResponse();
    }
}

qint64 HttpConnection::pending() const {
    if (!socket_) return 0;
    const auto *ssl = qobject_cast<const QSslSocket *>(socket_.data());
    return socket_->bytesToWrite() + (ssl ? ssl->encryptedBytesToWrite() : 0);
}

void HttpConnection::onBytesWritten(qint64 bytes) {
    touch();
    const qint64 nonBody = std::min(bytes, nonBodyPending_);
    nonBodyPending_ -= nonBody;
    if (bytes - nonBody > 0 && counter_) counter_(delivery_.response.statsKey, request_.path, bytes - nonBody);
    if (!busy_) return;
    if (!allQueued_)
        pump();
    else if (socket_ && pending() == 0)
        finishResponse();
}

void HttpConnection::finishResponse() {
    if (!busy_ || !socket_) return;
    busy_ = false;
    allQueued_ = false;
    if (dropping_ || closeAfter_) {
        busy_ = true; // accept nothing more on this connection
        socket_->disconnectFromHost();
        return;
    }
    delivery_ = Delivery();
    if (!buffer_.isEmpty()) QMetaObject::invokeMethod(this, &HttpConnection::processBuffer, Qt::QueuedConnection);
}

} // namespace conduit::devserver
