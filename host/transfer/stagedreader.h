// Reads a download while it is still arriving. Bytes just received are
// served from memory (a small cache of the latest chunks); a reader that
// fell behind, or that starts after a restart with a part already on disk,
// reads the staging file instead. The reader waits (readyRead) for more,
// and fails when the download fails. Memory is bounded by the cache and
// the agent's credit window, not by the image.
//
// The last byte is held back until the download has verified its hash, so
// a consumer counting to the length never sees a complete image that did
// not verify; with verifiedSha256() a consumer can then rely on the
// download's hash of exactly these bytes instead of hashing them again.
#pragma once

#include "download.h"

#include <QFile>
#include <QIODevice>
#include <QPointer>

#include <deque>

namespace conduit::transfer {

class StagedReader : public QIODevice {
    Q_OBJECT
public:
    explicit StagedReader(Download *download, QObject *parent = nullptr);
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;
    // The download's verified SHA-256 of every byte this reader served,
    // once it served them all; empty before.
    QString verifiedSha256() const;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    qint64 readable() const; // bytes that may be served now
    void onReceived(qint64 offset, const QByteArray &chunk);
    qint64 readFromCache(char *data, qint64 maxSize);

    QPointer<Download> download_;
    QFile file_;
    qint64 position_ = 0;
    bool restartedUnderUs_ = false;
    struct Chunk {
        qint64 offset;
        QByteArray bytes;
    };
    std::deque<Chunk> cache_;
    qint64 cacheBytes_ = 0;
};

} // namespace conduit::transfer
