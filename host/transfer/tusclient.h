// The tus 1.0 protocol (https://tus.io/protocols/resumable-upload) as
// blocking requests on one libcurl handle (one connection, kept alive
// between requests): OPTIONS discovery, creation (POST), HEAD for the
// offset, PATCH of one chunk. The retry and resume logic is TusUpload's
// (tusupload.h); this class only speaks the protocol and classifies what the
// server answered.
//
// [one thread] All calls but abort() from the thread that owns the client;
// abort() from any thread ends the running request soon and fails every
// later one with TusError::Aborted.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <atomic>
#include <functional>
#include <optional>

typedef void CURL;

namespace conduit::transfer {

// What went wrong, by what can be done about it.
enum class TusError {
    None = 0,
    Transport, // no (complete) response: connection refused, dropped, timed out. Retry: HEAD, resume
    Server,    // 5xx, 423 (locked), 429. Retry later
    Conflict,  // 409: the offset is not the server's. HEAD, resume from there
    Gone,      // 404/410: the upload expired or was removed. Create it again
    TooLarge,  // 413, or larger than Tus-Max-Size
    Refused,   // 460: the server's end-to-end hash check failed. Not retried
    Rejected,  // any other 4xx (unauthorised, bad request, version). Not retried
    Protocol,  // the answer breaks tus 1.0 (no Location, no Upload-Offset, wrong offset, version)
    Source,    // the bytes to send could not be read
    Aborted,   // abort() was called
};

struct TusFailure {
    TusError code = TusError::None;
    int status = 0; // HTTP status, 0 when none came
    QString message;
    // Worth trying again (after a backoff) in the same upload.
    bool retriable() const { return code == TusError::Transport || code == TusError::Server; }
};

QString nameOf(TusError e);

struct TusOptions {
    QUrl endpoint; // the creation URL, e.g. https://fleet.example/files
    std::optional<QSslConfiguration> tls;
    QList<QPair<QByteArray, QByteArray>> headers; // extra headers on every request (authorisation)
    qint64 chunkSize = 8 << 20;                   // body bytes per PATCH
    qint64 bandwidthLimit = 0;                    // bytes per second sent, 0 = unlimited
    int connectTimeoutMs = 10'000;
    int stallTimeoutS = 30; // a request moving no byte for this long is a transport failure
};

struct TusServerInfo {
    QStringList versions;   // Tus-Version
    QStringList extensions; // Tus-Extension
    qint64 maxSize = 0;     // Tus-Max-Size, 0 when not said
};

// What the server says of an upload.
struct TusUploadInfo {
    qint64 offset = -1;
    qint64 length = -1;   // -1 when not said
    qint64 expiresMs = 0; // Upload-Expires, ms since the epoch; 0 when not said
};

class TusClient {
public:
    explicit TusClient(TusOptions options);
    ~TusClient();
    TusClient(const TusClient &) = delete;
    TusClient &operator=(const TusClient &) = delete;

    // OPTIONS on the endpoint. Fails (Protocol) unless the server speaks
    // 1.0.0 and has the creation extension.
    bool discover(TusServerInfo *out, TusFailure *f);
    // POST: a new upload of `length` bytes with metadata (key, value; the
    // values are sent base64-encoded). *location is absolute. For a length
    // of 0 the upload is complete when this returns true.
    bool create(qint64 length, const QList<QPair<QByteArray, QByteArray>> &metadata, QUrl *location, TusUploadInfo *out,
                TusFailure *f);
    // HEAD: where the upload stands.
    bool head(const QUrl &upload, TusUploadInfo *out, TusFailure *f);
    // PATCH `size` bytes at `offset`, pulled from `read(buffer, max)` (returns
    // the bytes it put there, <= 0 when it cannot). Succeeds only when the
    // server confirms offset + size.
    bool patch(const QUrl &upload, qint64 offset, qint64 size, const std::function<qint64(char *, qint64)> &read,
               TusUploadInfo *out, TusFailure *f);

    void abort();
    // PATCH body bytes handed to the network so far (all requests).
    qint64 bytesSent() const { return bytesSent_.load(std::memory_order_relaxed); }
    const TusOptions &options() const { return options_; }

    struct Exchange; // one request and its response (tusclient.cpp)

private:
    bool perform(Exchange &x, TusFailure *f);

    TusOptions options_;
    CURL *easy_ = nullptr;
    std::atomic<bool> abort_{false};
    std::atomic<qint64> bytesSent_{0};
};

} // namespace conduit::transfer
