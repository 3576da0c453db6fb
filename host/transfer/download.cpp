#include "download.h"

#include "transferlog.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QStorageInfo>

#include <limits>

#include <unistd.h>

namespace conduit::transfer {

namespace {
constexpr qint64 kFreeSpaceMargin = 16 << 20;
constexpr qint64 kCatchUpSlice = 4 << 20; // hashed from the file per event-loop turn
} // namespace

Download::Download(QUrl url, QString path, qint64 length, QString sha256, DownloadOptions options, QObject *parent)
    : QObject(parent), url_(std::move(url)), path_(std::move(path)), length_(length), sha256_(sha256.toLower()),
      options_(std::move(options)) {
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, &Download::attempt);
    connect(&speedTimer_, &QTimer::timeout, this, [this] {
        const qint64 now = bytesTransferred();
        const qint64 rate = (now - windowStartBytes_) * 1000 / options_.speedWindowMs;
        windowStartBytes_ = now;
        if (fetch_ && rate < options_.minBytesPerSecond &&
            (!options_.bandwidthLimit || options_.bandwidthLimit >= options_.minBytesPerSecond))
            retry(QStringLiteral("too slow: %1 B/s over %2 s, minimum %3 B/s")
                      .arg(rate)
                      .arg(options_.speedWindowMs / 1000)
                      .arg(options_.minBytesPerSecond));
    });
    catchUpTimer_.setSingleShot(true);
    connect(&catchUpTimer_, &QTimer::timeout, this, &Download::catchUp);
    connectTimer_.setSingleShot(true);
    connect(&connectTimer_, &QTimer::timeout, this, [this] {
        if (fetch_ && !headerSeen_) retry(QStringLiteral("no response within %1 ms").arg(options_.connectTimeoutMs));
    });
}

Download::~Download() { stopFetch(false); }

void Download::start() {
    QDir().mkpath(QFileInfo(path_).absolutePath());
    file_.setFileName(path_);
    if (!file_.open(QIODevice::ReadWrite | QIODevice::Unbuffered))
        return fail(QStringLiteral("cannot open %1: %2").arg(path_, file_.errorString()));
    onDisk_ = file_.size();
    if (onDisk_ > length_) {
        // More than the signed length can only be garbage: start over.
        file_.resize(0);
        onDisk_ = 0;
    }
    // A signed length near 2^63 must not overflow into a small "needed".
    const qint64 missing = length_ - onDisk_;
    const qint64 needed = missing > std::numeric_limits<qint64>::max() - kFreeSpaceMargin
                              ? std::numeric_limits<qint64>::max()
                              : missing + kFreeSpaceMargin;
    const QStorageInfo storage(QFileInfo(path_).absolutePath());
    if (storage.isValid() && storage.bytesAvailable() < needed)
        return fail(QStringLiteral("not enough space in %1: %2 MiB free, %3 MiB needed")
                        .arg(storage.rootPath())
                        .arg(storage.bytesAvailable() >> 20)
                        .arg(needed >> 20));
    written_ = onDisk_;
    QString error;
    if (!hashPrefix(&error)) return fail(error);
    if (onDisk_ > 0)
        qCInfo(lcTransfer).noquote() << "resuming" << url_.toString() << "at byte" << onDisk_ << "of" << length_;
    if (onDisk_ == length_) return complete();
    attempt();
}

void Download::attempt() {
    if (finished_) return;
    ++attempts_;
    headerSeen_ = false;
    if (!options_.bandwidth && options_.bandwidthLimit > 0)
        options_.bandwidth = std::make_shared<TokenBucket>(options_.bandwidthLimit);
    FetchRequest r{url_, options_.headers, options_.tls, file_.handle(), onDisk_, length_, options_.bandwidth};
    fetch_ =
        Fetch::start(this, std::move(r),
                     {[this](int status) { onHeader(status); },
                      [this](qint64 offset, qint64 size, const QByteArray &bytes) { onChunk(offset, size, bytes); },
                      [this](const FetchResult &result) { onFetchDone(result); }});
    windowStartBytes_ = bytesTransferred();
    speedTimer_.start(options_.speedWindowMs);
    connectTimer_.start(options_.connectTimeoutMs);
}

void Download::onHeader(int) {
    headerSeen_ = true;
    connectTimer_.stop();
}

void Download::onChunk(qint64 offset, qint64 size, const QByteArray &bytes) {
    written_ = std::max(written_, offset + size); // events with and without bytes may cross
    if (bytes.isEmpty() || offset > onDisk_) {
        // The fetch ran ahead of us: hash what it wrote from the file, a
        // slice per event-loop turn.
        if (!catchUpTimer_.isActive()) catchUpTimer_.start(0);
        return;
    }
    if (offset + size <= onDisk_) return; // hashed from the file already
    const qint64 skip = onDisk_ - offset;
    hash_.addData(bytes.constData() + skip, size - skip);
    onDisk_ = offset + size;
    emit received(offset, bytes);
    emit progress(onDisk_, length_);
}

void Download::catchUp() {
    QString error;
    if (!hashFromFile(std::min(written_, onDisk_ + kCatchUpSlice), &error)) return fail(error);
    emit progress(onDisk_, length_);
    if (onDisk_ < written_) catchUpTimer_.start(0);
}

bool Download::hashFromFile(qint64 upTo, QString *error) {
    QByteArray buffer(int(std::min<qint64>(std::max<qint64>(upTo - onDisk_, 0), 1 << 20)), Qt::Uninitialized);
    while (onDisk_ < upTo) {
        const ssize_t n =
            ::pread(file_.handle(), buffer.data(), size_t(std::min<qint64>(upTo - onDisk_, buffer.size())), onDisk_);
        if (n <= 0) {
            *error = QStringLiteral("cannot read back %1 at byte %2").arg(path_).arg(onDisk_);
            return false;
        }
        hash_.addData(buffer.constData(), n);
        onDisk_ += n;
    }
    return true;
}

void Download::stopFetch(bool settle) {
    if (!fetch_) return;
    fetch_->abort();
    fetch_->join();
    transferred_ += fetch_->transferred();
    // Whatever the fetch wrote and we have not hashed yet (its last chunks,
    // or the ones it kept on disk only), hash now: the next attempt asks
    // for the rest from there.
    written_ = std::max(written_, fetch_->position());
    fetch_.reset();
    speedTimer_.stop();
    connectTimer_.stop();
    catchUpTimer_.stop();
    if (settle && onDisk_ < written_) {
        QString error;
        if (!hashFromFile(written_, &error)) {
            // Keep only what is hashed; the rest is fetched again.
            qCWarning(lcTransfer).noquote() << error;
            file_.resize(onDisk_);
        }
        written_ = onDisk_;
        emit progress(onDisk_, length_);
    }
}

void Download::onFetchDone(const FetchResult &r) {
    stopFetch();
    if (finished_) return;
    if (!r.verdict.isEmpty()) return r.fatal ? fail(r.verdict) : retry(r.verdict);
    if (onDisk_ == length_) return complete();
    const int status = r.status;
    if (status == 416) {
        // Our offset is not satisfiable: the partial file does not belong
        // to this artifact. Start over.
        truncate();
        return retry(QStringLiteral("HTTP 416 for the resume offset"));
    }
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        return fail(QStringLiteral("HTTP %1 for %2").arg(status).arg(url_.toString()));
    if (status >= 300 && status < 400)
        return fail(QStringLiteral("HTTP %1 redirect refused for %2").arg(status).arg(url_.toString()));
    const QString why = !r.transportError.isEmpty() ? r.transportError
                        : status >= 400             ? QStringLiteral("HTTP %1").arg(status)
                                        : QStringLiteral("connection ended at byte %1 of %2").arg(onDisk_).arg(length_);
    retry(why);
}

void Download::retry(const QString &why) {
    if (finished_) return;
    stopFetch();
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
    stopFetch(false); // what it wrote past onDisk_ is hashed again by a later start()
    catchUpTimer_.stop();
    finished_ = true;
    error_ = why;
    retryTimer_.stop();
    qCWarning(lcTransfer).noquote() << url_.toString() << "failed:" << why;
    emit finished(false, why);
}

void Download::truncate() {
    file_.resize(0);
    onDisk_ = written_ = 0;
    hash_.reset();
    emit restarted();
}

bool Download::hashPrefix(QString *error) {
    // What an earlier attempt (or an earlier life of the host) left on disk
    // is hashed once, so the rest is hashed as it arrives.
    hash_.reset();
    const qint64 have = onDisk_;
    onDisk_ = 0;
    return hashFromFile(have, error);
}

void Download::complete() {
    // No fdatasync, and no forced writeback either: the file is verified
    // again whenever it is used after a restart (start() hashes what is
    // there), so a power cut costs at most a download, never a wrong image;
    // and the disk stays free for the agent, which is writing and syncing
    // its own copy right now (the kernel writes this one back later).
    const QString got = QString::fromLatin1(hash_.result().toHex());
    if (got != sha256_) {
        // Not the signed image: an attack (or a corrupted server). The
        // reason is set before the file is dropped (so that a retry starts
        // clean), so that a reader sees this, not the emptied file.
        fail(QStringLiteral(
                 "the server sent an image other than the signed one (sha256 %1, the verified target says %2): "
                 "refused as an attack")
                 .arg(got, sha256_));
        truncate();
        return;
    }
    finished_ = true;
    speedTimer_.stop();
    emit progress(onDisk_, length_);
    emit finished(true, {});
}

} // namespace conduit::transfer
