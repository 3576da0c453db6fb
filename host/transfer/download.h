// One resumable, verified download into a staging file (docs/upstream.md):
// HTTP Range resume from what the file already holds (across dropped
// connections and host restarts), never a byte past the verified length,
// a minimum-speed guard against slow retrieval, retries with capped
// exponential backoff and jitter, fatal 4xx (except 408/429) with a clear
// reason, an optional bandwidth limit and a free-space check. The file is
// only reported complete once its length and hash verify.
#pragma once

#include "fetch.h"

#include <QFile>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <optional>

namespace conduit::transfer {

struct DownloadOptions {
    int maxAttempts = 8;  // connections tried before giving up
    int backoffMs = 1000; // first retry delay, doubles per attempt
    int backoffMaxMs = 60000;
    qint64 minBytesPerSecond = 1024; // slower than this over the window: abandoned
    int speedWindowMs = 30000;
    qint64 bandwidthLimit = 0; // bytes per second, 0 = unlimited
    // The limit shared with other downloads (e.g. all of a campaign's, on
    // one link); null: a limit of bandwidthLimit for this download alone.
    std::shared_ptr<TokenBucket> bandwidth;
    int connectTimeoutMs = 30000;                 // no response header for this long
    QList<QPair<QByteArray, QByteArray>> headers; // e.g. Authorization
    std::optional<QSslConfiguration> tls;
};

// Lives on one thread (the host's); each connection runs as a Fetch on a
// thread of its own.
class Download : public QObject {
    Q_OBJECT
public:
    Download(QUrl url, QString path, qint64 length, QString sha256, DownloadOptions options = {},
             QObject *parent = nullptr);
    ~Download() override;

    void start();
    void cancel(const QString &why);

    qint64 length() const { return length_; }
    // Bytes on disk and hashed so far, within the verified length (readers
    // may read up to here).
    qint64 bytesOnDisk() const { return onDisk_; }
    // Bytes received over the network, all attempts (for the overhead figure).
    qint64 bytesTransferred() const { return transferred_ + (fetch_ ? fetch_->transferred() : 0); }
    int attempts() const { return attempts_; }
    bool isFinished() const { return finished_; }
    bool succeeded() const { return finished_ && error_.isEmpty(); }
    QString error() const { return error_; }
    const QString &path() const { return path_; }
    // The SHA-256 (hex) of exactly the bytes on disk and handed out by
    // received(), once the download succeeded (it matched the expected
    // hash); empty before. A reader that passes those bytes on may use it
    // instead of hashing them a second time.
    QString verifiedSha256() const { return succeeded() ? sha256_ : QString(); }

signals:
    void progress(qint64 onDisk, qint64 length);
    // Each chunk as it is hashed and written (also on disk at [offset,
    // offset + size)): lets a reader take the bytes from memory instead of
    // reading the staging file back. Emitted before progress().
    void received(qint64 offset, const QByteArray &chunk);
    // The staging file was emptied to start over (it did not belong to
    // this artifact): bytes handed out before are not the ones hashed now.
    void restarted();
    void finished(bool ok, const QString &error);

private:
    void attempt();
    void onHeader(int status);
    void onChunk(qint64 offset, qint64 size, const QByteArray &bytes);
    void onFetchDone(const FetchResult &r);
    void stopFetch(bool settle = true); // settle: hash all it wrote
    void retry(const QString &why);
    void fail(const QString &why);
    void complete();
    void truncate();
    bool hashPrefix(QString *error);
    bool hashFromFile(qint64 upTo, QString *error);
    void catchUp();

    QUrl url_;
    QString path_;
    qint64 length_;
    QString sha256_;
    DownloadOptions options_;
    QFile file_;
    std::shared_ptr<Fetch> fetch_;
    qint64 onDisk_ = 0;      // written and hashed
    qint64 written_ = 0;     // written by the fetch (hashing may lag behind)
    qint64 transferred_ = 0; // by finished attempts
    int attempts_ = 0;
    bool finished_ = false;
    bool headerSeen_ = false;
    QString error_;
    QTimer retryTimer_, speedTimer_, connectTimer_, catchUpTimer_;
    qint64 windowStartBytes_ = 0;
    Sha256 hash_; // of the file's first onDisk_ bytes
};

} // namespace conduit::transfer
