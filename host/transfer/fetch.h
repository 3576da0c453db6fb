// One HTTP GET attempt of a Download, on a thread of its own (libcurl):
// the body goes straight from the socket into the staging file at its
// offset, and each chunk is posted to the owner's thread (which hashes
// it: the two threads share the work). Nothing waits for the owner, so a
// busy host thread never slows the network, and what arrived before a
// dropped connection is all kept.
//
// Threads: start(), abort(), join() and the callbacks belong to the
// owner's thread. The fetch's thread alone writes the file between
// start() and join().
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

#include "tokenbucket.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace conduit::transfer {

// Incremental SHA-256 through OpenSSL (it uses the CPU's SHA extensions;
// Qt's own does not).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;
    void reset();
    void addData(const char *data, qint64 size);
    QByteArray result();

private:
    void *ctx_;
};

struct FetchRequest {
    QUrl url;
    QList<QPair<QByteArray, QByteArray>> headers;
    std::optional<QSslConfiguration> tls; // CA set (pinning), client certificate and key
    int fd = -1;                          // the staging file, written at offset..length
    qint64 offset = 0;                    // bytes already there: asked for with Range
    qint64 length = 0;                    // the verified length: never a byte past it
    // The bandwidth limit this fetch draws from (shared with other
    // downloads or its own); null: unlimited.
    std::shared_ptr<TokenBucket> bandwidth;
};

struct FetchResult {
    int status = 0;         // HTTP status, 0 when no response came
    QString transportError; // libcurl's reason when the connection failed
    QString verdict;        // the fetch stopped itself for this reason
    bool fatal = false;     // ... and retrying cannot help
};

class Fetch : public std::enable_shared_from_this<Fetch> {
public:
    struct Callbacks {
        std::function<void(int status)> header; // response headers in
        // Written up to offset + size. The bytes come along while
        // the owner keeps up; when it falls behind (kMaxInFlight), they are
        // only on disk (bytes empty) and the network is not slowed.
        std::function<void(qint64 offset, qint64 size, const QByteArray &bytes)> chunk;
        std::function<void(const FetchResult &)> done; // the attempt ended
    };

    static std::shared_ptr<Fetch> start(QObject *owner, FetchRequest request, Callbacks callbacks);
    ~Fetch();

    // Stops the attempt soon (wakes the thread at once); no callback after.
    void abort();
    // Waits for the thread to end: afterwards the file and the hash are the
    // owner's again, and position() is exact.
    void join();

    // Body bytes received so far (including any the fetch skipped).
    qint64 transferred() const { return transferred_.load(std::memory_order_relaxed); }
    // End of what is written (exact after join()).
    qint64 position() const { return position_.load(std::memory_order_acquire); }

    struct Worker; // the thread's side (fetch.cpp)

private:
    Fetch() = default;
    void post(std::function<void()> call);
    void run();

    QObject *owner_ = nullptr;
    FetchRequest request_;
    Callbacks callbacks_;
    bool live_ = true; // owner's thread only: callbacks still wanted
    std::atomic<bool> abort_{false};
    std::atomic<qint64> transferred_{0};
    std::atomic<qint64> position_{0};
    std::atomic<qint64> inFlight_{0};        // posted chunk bytes the owner has not taken yet
    std::atomic<bool> advancePosted_{false}; // a bytes-less chunk event is pending
    void *multi_ = nullptr;                  // CURLM*, for the wakeup
    std::thread thread_;
};

} // namespace conduit::transfer
