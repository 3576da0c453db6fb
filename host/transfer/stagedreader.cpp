#include "stagedreader.h"

namespace conduit::transfer {

StagedReader::StagedReader(Download *download, QObject *parent) : QIODevice(parent), download_(download) {
    file_.setFileName(download->path());
    open(QIODevice::ReadOnly);
    connect(download, &Download::progress, this, &QIODevice::readyRead);
    connect(download, &Download::finished, this, [this](bool ok, const QString &error) {
        if (!ok) setErrorString(error);
        emit readyRead(); // wake the reader: more data, the end, or the failure
    });
}

qint64 StagedReader::bytesAvailable() const {
    return (download_ ? download_->bytesOnDisk() - position_ : 0) + QIODevice::bytesAvailable();
}

bool StagedReader::atEnd() const {
    return download_ && download_->succeeded() && position_ == download_->length();
}

qint64 StagedReader::readData(char *data, qint64 maxSize) {
    if (!download_) return -1;
    if (download_->isFinished() && !download_->succeeded()) {
        setErrorString(download_->error());
        return -1;
    }
    const qint64 available = download_->bytesOnDisk() - position_;
    if (available <= 0) return 0; // wait for readyRead
    if (!file_.isOpen() && !file_.open(QIODevice::ReadOnly)) {
        setErrorString(file_.errorString());
        return -1;
    }
    file_.seek(position_);
    const qint64 n = file_.read(data, std::min(maxSize, available));
    if (n > 0) position_ += n;
    return n;
}

} // namespace conduit::transfer
