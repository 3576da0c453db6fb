#include "stagedreader.h"

#include <cstring>

namespace conduit::transfer {

namespace {
// Enough to cover the agent's credit window and a burst from the network;
// beyond it the bytes come back from the staging file (page cache).
constexpr qint64 kCacheLimit = 8 << 20;
} // namespace

StagedReader::StagedReader(Download *download, QObject *parent) : QIODevice(parent), download_(download) {
    file_.setFileName(download->path());
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    connect(download, &Download::received, this, &StagedReader::onReceived);
    connect(download, &Download::progress, this, &QIODevice::readyRead);
    connect(download, &Download::restarted, this, [this] {
        cache_.clear();
        cacheBytes_ = 0;
        if (position_ > 0) restartedUnderUs_ = true; // what we served is not what is hashed now
        emit readyRead();
    });
    connect(download, &Download::finished, this, [this](bool ok, const QString &error) {
        if (!ok) setErrorString(error);
        emit readyRead(); // wake the reader: more data, the end, or the failure
    });
}

qint64 StagedReader::readable() const {
    if (!download_) return 0;
    const qint64 limit =
        download_->succeeded() ? download_->length() : std::min(download_->bytesOnDisk(), download_->length() - 1);
    return std::max<qint64>(0, limit - position_);
}

qint64 StagedReader::bytesAvailable() const { return readable() + QIODevice::bytesAvailable(); }

bool StagedReader::atEnd() const { return download_ && download_->succeeded() && position_ == download_->length(); }

QString StagedReader::verifiedSha256() const {
    return atEnd() && !restartedUnderUs_ ? download_->verifiedSha256() : QString();
}

void StagedReader::onReceived(qint64 offset, const QByteArray &chunk) {
    if (offset + chunk.size() <= position_) return; // already served from the file
    cache_.push_back({offset, chunk});              // shares the bytes, no copy
    cacheBytes_ += chunk.size();
    while (cacheBytes_ > kCacheLimit) {
        cacheBytes_ -= cache_.front().bytes.size();
        cache_.pop_front();
    }
}

qint64 StagedReader::readFromCache(char *data, qint64 maxSize) {
    qint64 n = 0;
    while (!cache_.empty() && n < maxSize) {
        const Chunk &c = cache_.front();
        const qint64 end = c.offset + c.bytes.size();
        if (end <= position_) {
            cacheBytes_ -= c.bytes.size();
            cache_.pop_front();
            continue;
        }
        if (c.offset > position_) break; // a gap: the file has it
        const qint64 take = std::min(maxSize - n, end - position_);
        std::memcpy(data + n, c.bytes.constData() + (position_ - c.offset), size_t(take));
        n += take;
        position_ += take;
    }
    return n;
}

qint64 StagedReader::readData(char *data, qint64 maxSize) {
    if (!download_) return -1;
    if (download_->isFinished() && !download_->succeeded()) { // the download's own reason comes first
        setErrorString(download_->error());
        return -1;
    }
    if (restartedUnderUs_) {
        setErrorString(QStringLiteral("the download started over after %1 bytes were passed on").arg(position_));
        return -1;
    }
    const qint64 want = std::min(maxSize, readable());
    if (want <= 0) return 0; // wait for readyRead
    qint64 n = readFromCache(data, want);
    if (n > 0) return n;
    if (!file_.isOpen() && !file_.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        setErrorString(file_.errorString());
        return -1;
    }
    file_.seek(position_);
    n = file_.read(data, want);
    if (n > 0) position_ += n;
    return n;
}

} // namespace conduit::transfer
