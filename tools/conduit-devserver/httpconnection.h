// One HTTP/1.1 connection: parses requests (Content-Length bodies, size caps,
// keep-alive, one request at a time), hands each to the server's handler and
// streams the response, applying the delivery faults the handler chose.
//
// Contract: the handler runs synchronously on the connection's thread; a
// response body from a file is read in chunks of at most kChunk bytes and no
// more than kHighWater bytes wait in the socket, so memory stays bounded
// whatever the file size.
#pragma once

#include "httpmessage.h"

#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <optional>

namespace conduit::devserver {

struct HttpLimits {
    qint64 maxHeaderBytes = 16 * 1024;     // request line + headers, else 431
    qint64 maxTargetBytes = 8 * 1024;      // request-target, else 414
    int maxHeaderCount = 100;              // else 431
    qint64 maxBodyBytes = 8 * 1024 * 1024; // else 413
    int idleTimeoutMs = 60000;             // no byte in either direction: close
};

// How a response is delivered, beyond its content (see faults.h).
struct DeliveryFaults {
    std::optional<qint64> dropAfterBodyBytes; // close the connection after this many body bytes
    qint64 throttleBytesPerSecond = 0;        // 0: unlimited
    int headerDelayMs = 0;                    // wait before the status line
    std::optional<qint64> corruptFileOffset;  // flip this byte of the file, if sent
};

struct Delivery {
    HttpResponse response;
    DeliveryFaults faults;
};

class HttpConnection : public QObject {
    Q_OBJECT
public:
    using Handler = std::function<Delivery(HttpRequest &)>;
    // Body bytes confirmed written to the socket, attributed to a response.
    using BodyCounter = std::function<void(const QString &statsKey, const QString &path, qint64 bytes)>;

    HttpConnection(QTcpSocket *socket, bool tls, const HttpLimits &limits, Handler handler, BodyCounter counter,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    static constexpr qint64 kChunk = 256 * 1024;
    static constexpr qint64 kHighWater = 1024 * 1024;

signals:
    void closed();

private:
    void onReadyRead();
    void onBytesWritten(qint64 bytes);
    void processBuffer();
    // Parses the header section in buffer_[0, end); fills request_ or returns an error response.
    std::optional<HttpResponse> parseHead(qsizetype end);
    void dispatch();
    void writeHead();
    void pump();
    void finishResponse();
    void failRequest(const HttpResponse &response);
    void touch();
    void shutdown();
    qint64 pending() const; // bytes queued in the socket, ciphertext included

    QPointer<QTcpSocket> socket_;
    bool tls_;
    HttpLimits limits_;
    Handler handler_;
    BodyCounter counter_;
    QTimer idle_;
    QTimer throttleTimer_;

    QByteArray buffer_;
    bool headParsed_ = false;
    bool sentContinue_ = false;
    qint64 bodyNeeded_ = 0;
    HttpRequest request_;

    // Response in flight.
    bool busy_ = false;
    Delivery delivery_;
    bool headOnly_ = false;
    bool closeAfter_ = false;
    QFile file_;
    qint64 bodyQueued_ = 0;     // body bytes handed to the socket
    qint64 bodyToSend_ = 0;     // body bytes this response will send (less if dropped)
    qint64 nonBodyPending_ = 0; // status line + headers not yet confirmed written
    bool allQueued_ = false;
    bool dropping_ = false;
    QElapsedTimer sendClock_;
    bool shuttingDown_ = false;
    bool headerDelayed_ = false;
};

} // namespace conduit::devserver
