// One object's tus upload, start to confirmed end, on a thread of its own
// (docs/data-gathering.md, "Bulk uploads (tus)"):
//
//   known URL?  no -> POST (creation, with the metadata and the SHA-256)
//               yes, expired -> POST again (a new upload, from byte 0)
//               yes -> HEAD: the server's offset (404/410: POST again)
//   PATCH chunk by chunk from that offset; after each one the confirmed
//   offset is reported (progress) so the owner can keep it durably;
//   a dropped connection or a 5xx: backoff, HEAD, continue; a 409: HEAD.
//   Done when the server confirmed offset == size: by the answer to the
//   final PATCH (the server runs its hash check before answering) or, after
//   a cut, by a HEAD (a server that refused the object answers 460 there).
//
// Retries are bounded: `maxFailures` failures in a row without progress
// end the attempt with the last failure; a chunk that got through resets
// the count. Backoff doubles from backoffMs up to maxBackoffMs.
//
// Threads: start(), abort(), join() and the callbacks belong to the owner's
// thread (the object given to start()); the upload's thread reads the
// source and speaks to the server.
#pragma once

#include "tusclient.h"

#include <QObject>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace conduit::transfer {

struct TusRetry {
    int maxFailures = 6;
    int backoffMs = 250;
    int maxBackoffMs = 8000;
};

// What to send and what is known of an earlier attempt.
struct TusObject {
    qint64 size = 0;
    QString path;     // the payload file (read at each offset), or
    QByteArray bytes; // the payload in memory
    QList<QPair<QByteArray, QByteArray>> metadata;
    QUrl knownUrl;             // from an earlier attempt (durable state), or empty
    qint64 knownExpiresMs = 0; // that upload's Upload-Expires, 0: not said
};

// The upload as the server confirmed it: what to keep durably.
struct TusProgress {
    QUrl url;
    qint64 offset = 0;
    qint64 expiresMs = 0;
};

struct TusOutcome {
    bool complete = false; // the server confirmed every byte (and its hash check passed)
    TusFailure failure;    // why not
    qint64 bytesSent = 0;  // PATCH body bytes sent in this attempt
    int requests = 0;
    int retries = 0;         // failures retried
    bool recreated = false;  // a known upload had expired or was gone: created again
    qint64 resumedFrom = -1; // the offset the attempt continued from (a known upload), -1: new
};

class TusUpload : public std::enable_shared_from_this<TusUpload> {
public:
    struct Callbacks {
        std::function<void(const TusProgress &)> progress; // the upload was created or advanced
        std::function<void(const TusOutcome &)> done;      // the attempt ended (not after abort())
    };

    static std::shared_ptr<TusUpload> start(QObject *owner, TusOptions options, TusRetry retry, TusObject object,
                                            Callbacks callbacks);
    ~TusUpload();

    // Stops soon (ends the request and any backoff at once); no callback after.
    void abort();
    void join();

private:
    TusUpload(TusOptions options, TusRetry retry, TusObject object);
    void run();
    bool attempt(TusOutcome &out);
    bool sendFrom(const QUrl &url, qint64 offset, qint64 expiresMs, TusOutcome &out, TusFailure *f);
    bool backoff(int failures);
    void post(std::function<void()> call);
    void report(const QUrl &url, qint64 offset, qint64 expiresMs);

    QObject *owner_ = nullptr;
    TusClient client_;
    TusRetry retry_;
    TusObject object_;
    Callbacks callbacks_;
    int fd_ = -1;
    bool live_ = true; // owner's thread only: callbacks still wanted
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false; // under mutex_
    std::thread thread_;
};

} // namespace conduit::transfer
