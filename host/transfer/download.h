// One resumable, verified download into a staging file (docs/upstream.md):
// HTTP Range resume from what the file already holds (across dropped
// connections and host restarts), never a byte past the verified length,
// a minimum-speed guard against slow retrieval, retries with capped
// exponential backoff and jitter, fatal 4xx (except 408/429) with a clear
// reason, an optional bandwidth limit and a free-space check. The file is
// only reported complete once its length and hash verify.
#pragma once

#include <QElapsedTimer>
#include <QFile>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace conduit::transfer {

struct DownloadOptions {
    int maxAttempts = 8;            // connections tried before giving up
    int backoffMs = 1000;           // first retry delay, doubles per attempt
    int backoffMaxMs = 60000;
    qint64 minBytesPerSecond = 1024; // slower than this over the window: abandoned
    int speedWindowMs = 30000;
    qint64 bandwidthLimit = 0;      // bytes per second, 0 = unlimited
    int connectTimeoutMs = 30000;   // no response header for this long
    QList<QPair<QByteArray, QByteArray>> headers; // e.g. Authorization
    std::optional<QSslConfiguration> tls;
};

class Download : public QObject {
    Q_OBJECT
public:
    Download(QNetworkAccessManager *network, QUrl url, QString path, qint64 length, QString sha256,
             DownloadOptions options = {}, QObject *parent = nullptr);
    ~Download() override;

    void start();
    void cancel(const QString &why);

    qint64 length() const { return length_; }
    // Verified-length bytes on disk so far (readers may read up to here).
    qint64 bytesOnDisk() const { return onDisk_; }
    // Bytes received over the network, all attempts (for the overhead figure).
    qint64 bytesTransferred() const { return transferred_; }
    int attempts() const { return attempts_; }
    bool isFinished() const { return finished_; }
    bool succeeded() const { return finished_ && error_.isEmpty(); }
    QString error() const { return error_; }
    const QString &path() const { return path_; }

signals:
    void progress(qint64 onDisk, qint64 length);
    void finished(bool ok, const QString &error);

private:
    void attempt();
    void onReadyRead();
    void onReplyFinished();
    void retry(const QString &why);
    void fail(const QString &why);
    void complete();
    bool hashPrefix(QString *error);

    QNetworkAccessManager *network_;
    QUrl url_;
    QString path_;
    qint64 length_;
    QString sha256_;
    DownloadOptions options_;
    QFile file_;
    QPointer<QNetworkReply> reply_;
    qint64 onDisk_ = 0;
    qint64 skip_ = 0;        // body bytes to drop (server ignored Range)
    qint64 transferred_ = 0;
    int attempts_ = 0;
    bool finished_ = false;
    bool headerSeen_ = false;
    bool accepting_ = false; // the response is 200/206: its body is image data
    QString error_;
    QString lastProblem_;
    QTimer retryTimer_, speedTimer_, throttleTimer_, connectTimer_;
    qint64 windowStartBytes_ = 0;
    QElapsedTimer throttleClock_;
    qint64 throttleBytes_ = 0;
    // SHA-256 of the file's first onDisk_ bytes, kept as they arrive
    // (OpenSSL: it uses the CPU's SHA extensions; Qt's own does not).
    struct Sha256 {
        Sha256();
        ~Sha256();
        void reset();
        void addData(const char *data, qsizetype size);
        QByteArray result();
        void *ctx;
    } hash_;
};

} // namespace conduit::transfer
