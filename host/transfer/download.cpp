#include "download.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStorageInfo>

#include <openssl/evp.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcTransfer, "conduit.transfer")

namespace conduit::transfer {

namespace {
constexpr qint64 kReadChunk = 256 << 10;
constexpr qint64 kFreeSpaceMargin = 16 << 20;
constexpr qint64 kReplyBuffer = 4 << 20;
} // namespace

Download::Sha256::Sha256() : ctx(EVP_MD_CTX_new()) { reset(); }
Download::Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX *>(ctx)); }
void Download::Sha256::reset() { EVP_DigestInit_ex(static_cast<EVP_MD_CTX *>(ctx), EVP_sha256(), nullptr); }
void Download::Sha256::addData(const char *data, qsizetype size) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX *>(ctx), data, size_t(size));
}
QByteArray Download::Sha256::result() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX *>(ctx), md, &n);
    return QByteArray(reinterpret_cast<const char *>(md), int(n));
}

Download::Download(QNetworkAccessManager *network, QUrl url, QString path, qint64 length, QString sha256,
                   DownloadOptions options, QObject *parent)
    : QObject(parent), network_(network), url_(std::move(url)), path_(std::move(path)), length_(length),
      sha256_(sha256.toLower()), options_(std::move(options)) {
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, &Download::attempt);
    connect(&speedTimer_, &QTimer::timeout, this, [this] {
        const qint64 got = transferred_ - windowStartBytes_;
        windowStartBytes_ = transferred_;
        const qint64 rate = got * 1000 / options_.speedWindowMs;
        if (reply_ && rate < options_.minBytesPerSecond && (!options_.bandwidthLimit || options_.bandwidthLimit >= options_.minBytesPerSecond))
            retry(QStringLiteral("too slow: %1 B/s over %2 s, minimum %3 B/s").arg(rate).arg(options_.speedWindowMs / 1000).arg(options_.minBytesPerSecond));
    });
    throttleTimer_.setSingleShot(true);
    connect(&throttleTimer_, &QTimer::timeout, this, &Download::onReadyRead);
    connectTimer_.setSingleShot(true);
    connect(&connectTimer_, &QTimer::timeout, this, [this] {
        if (reply_ && !headerSeen_) retry(QStringLiteral("no response within %1 ms").arg(options_.connectTimeoutMs));
    });
}

Download::~Download() {
    if (reply_) reply_->abort();
}

void Download::start() {
    QDir().mkpath(QFileInfo(path_).absolutePath());
    file_.setFileName(path_);
    if (!file_.open(QIODevice::ReadWrite)) return fail(QStringLiteral("cannot open %1: %2").arg(path_, file_.errorString()));
    onDisk_ = file_.size();
    if (onDisk_ > length_) {
        // More than the signed length can only be garbage: start over.
        file_.resize(0);
        onDisk_ = 0;
    }
    const qint64 needed = length_ - onDisk_ + kFreeSpaceMargin;
    const QStorageInfo storage(QFileInfo(path_).absolutePath());
    if (storage.isValid() && storage.bytesAvailable() < needed)
        return fail(QStringLiteral("not enough space in %1: %2 MiB free, %3 MiB needed").arg(storage.rootPath())
                        .arg(storage.bytesAvailable() >> 20).arg(needed >> 20));
    QString error;
    if (!hashPrefix(&error)) return fail(error);
    if (onDisk_ > 0) qCInfo(lcTransfer).noquote() << "resuming" << url_.toString() << "at byte" << onDisk_ << "of" << length_;
    if (onDisk_ == length_) return complete();
    attempt();
}

void Download::attempt() {
    if (finished_) return;
    ++attempts_;
    QNetworkRequest req(url_);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto &h : options_.headers) req.setRawHeader(h.first, h.second);
    if (options_.tls) req.setSslConfiguration(*options_.tls);
    if (onDisk_ > 0) req.setRawHeader("Range", "bytes=" + QByteArray::number(onDisk_) + "-");
    headerSeen_ = accepting_ = false;
    skip_ = 0;
    reply_ = network_->get(req);
    // Unthrottled, Qt takes everything off the socket at once, so that what
    // arrived before a dropped connection is not fetched again; should we
    // fall behind by kReplyBuffer, onReadyRead caps Qt's buffer until we
    // catch up (memory stays bounded). Throttled, a small buffer lets TCP
    // slow the sender down.
    reply_->setReadBufferSize(options_.bandwidthLimit ? std::min<qint64>(options_.bandwidthLimit, kReadChunk) : 0);
    connect(reply_, &QNetworkReply::readyRead, this, &Download::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &Download::onReplyFinished);
    windowStartBytes_ = transferred_;
    speedTimer_.start(options_.speedWindowMs);
    connectTimer_.start(options_.connectTimeoutMs);
    throttleClock_.start();
    throttleBytes_ = 0;
}

void Download::onReadyRead() {
    QNetworkReply *r = reply_;
    if (!r || finished_) return;
    if (!headerSeen_) {
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) return;
        headerSeen_ = true;
        connectTimer_.stop();
        if (status == 206) {
            static const QRegularExpression re(QStringLiteral("^bytes (\\d+)-"));
            const auto m = re.match(QString::fromLatin1(r->rawHeader("Content-Range")));
            if (!m.hasMatch() || m.captured(1).toLongLong() != onDisk_)
                return retry(QStringLiteral("server answered a range starting elsewhere (%1)").arg(QString::fromLatin1(r->rawHeader("Content-Range"))));
        } else if (status == 200) {
            skip_ = onDisk_; // Range ignored: the first bytes are the ones we have
        } else {
            return; // an error body is never data: handled when the reply finishes
        }
        accepting_ = true;
    }
    if (!accepting_) return;
    if (!options_.bandwidthLimit) {
        const bool behind = r->bytesAvailable() >= kReplyBuffer;
        if (behind != (r->readBufferSize() != 0)) r->setReadBufferSize(behind ? kReplyBuffer : 0);
    }
    while (r->bytesAvailable() > 0) {
        qint64 want = std::min<qint64>(r->bytesAvailable(), kReadChunk);
        if (options_.bandwidthLimit > 0) {
            const qint64 allowed = options_.bandwidthLimit * std::max<qint64>(throttleClock_.elapsed(), 1) / 1000 - throttleBytes_;
            if (allowed <= 0) {
                throttleTimer_.start(int(std::max<qint64>(1, (-allowed + 1024) * 1000 / options_.bandwidthLimit)));
                return;
            }
            want = std::min(want, allowed);
        }
        QByteArray chunk = r->read(want);
        transferred_ += chunk.size();
        throttleBytes_ += chunk.size();
        if (skip_ > 0) {
            const qint64 drop = std::min<qint64>(skip_, chunk.size());
            chunk.remove(0, drop);
            skip_ -= drop;
        }
        if (chunk.isEmpty()) continue;
        if (onDisk_ + chunk.size() > length_)
            return fail(QStringLiteral("server sent more than the verified length %1 (endless data attack?)").arg(length_));
        file_.seek(onDisk_);
        hash_.addData(chunk.constData(), chunk.size());
        if (file_.write(chunk) != chunk.size()) return fail(QStringLiteral("write to %1 failed: %2").arg(path_, file_.errorString()));
        onDisk_ += chunk.size();
        // No fdatasync per chunk: after a power cut a torn tail only costs a
        // hash mismatch and a fresh download, never an unverified image.
        file_.flush();
        emit progress(onDisk_, length_);
    }
}

void Download::onReplyFinished() {
    QNetworkReply *r = reply_;
    if (!r || finished_) return;
    onReadyRead();
    if (finished_) return;
    reply_ = nullptr;
    r->deleteLater();
    speedTimer_.stop();
    const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (onDisk_ == length_) return complete();
    if (status == 416) {
        // Our offset is not satisfiable: the partial file does not belong
        // to this artifact. Start over.
        file_.resize(0);
        onDisk_ = 0;
        hash_.reset();
        return retry(QStringLiteral("HTTP 416 for the resume offset"));
    }
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        return fail(QStringLiteral("HTTP %1 %2 for %3").arg(status)
                        .arg(r->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(), url_.toString()));
    if (status >= 300 && status < 400) return fail(QStringLiteral("HTTP %1 redirect refused for %2").arg(status).arg(url_.toString()));
    const QString why = r->error() != QNetworkReply::NoError
                            ? r->errorString()
                            : status >= 400 ? QStringLiteral("HTTP %1").arg(status) : QStringLiteral("connection ended at byte %1 of %2").arg(onDisk_).arg(length_);
    retry(why);
}

void Download::retry(const QString &why) {
    if (finished_) return;
    lastProblem_ = why;
    if (reply_) {
        QNetworkReply *r = reply_;
        reply_ = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
    speedTimer_.stop();
    connectTimer_.stop();
    if (attempts_ >= options_.maxAttempts)
        return fail(QStringLiteral("gave up after %1 attempts: %2").arg(attempts_).arg(why));
    qint64 delay = std::min<qint64>(qint64(options_.backoffMs) << std::min(attempts_ - 1, 20), options_.backoffMaxMs);
    delay = delay / 2 + QRandomGenerator::global()->bounded(delay / 2 + 1); // jitter: 50-100 %
    qCInfo(lcTransfer).noquote() << url_.toString() << "retry" << attempts_ << "in" << delay << "ms:" << why;
    retryTimer_.start(int(delay));
}

void Download::cancel(const QString &why) { fail(QStringLiteral("cancelled: %1").arg(why)); }

void Download::fail(const QString &why) {
    if (finished_) return;
    finished_ = true;
    error_ = why;
    if (reply_) {
        QNetworkReply *r = reply_;
        reply_ = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
    retryTimer_.stop();
    speedTimer_.stop();
    throttleTimer_.stop();
    connectTimer_.stop();
    file_.flush();
    qCWarning(lcTransfer).noquote() << url_.toString() << "failed:" << why;
    emit finished(false, why);
}

bool Download::hashPrefix(QString *error) {
    // What an earlier attempt (or an earlier life of the host) left on disk
    // is hashed once, so the rest is hashed as it arrives.
    hash_.reset();
    file_.seek(0);
    qint64 left = onDisk_;
    while (left > 0) {
        const QByteArray b = file_.read(std::min<qint64>(left, 1 << 20));
        if (b.isEmpty()) {
            *error = QStringLiteral("cannot read back %1").arg(path_);
            return false;
        }
        hash_.addData(b.constData(), b.size());
        left -= b.size();
    }
    return true;
}

void Download::complete() {
    file_.flush();
    ::fdatasync(file_.handle());
    const QString got = QString::fromLatin1(hash_.result().toHex());
    if (got != sha256_) {
        // Not this file: drop it so that a retry starts clean.
        file_.resize(0);
        onDisk_ = 0;
        hash_.reset();
        return fail(QStringLiteral("sha256 of the download is %1, the verified target says %2").arg(got, sha256_));
    }
    finished_ = true;
    speedTimer_.stop();
    emit progress(onDisk_, length_);
    emit finished(true, {});
}

} // namespace conduit::transfer
