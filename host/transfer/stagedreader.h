// Reads a download while it is still arriving: bytes already on disk are
// served at once, the reader waits (readyRead) for more, and fails when the
// download fails. Lets an agent stage an image while it downloads, with
// memory bounded by the agent's credit window, not by the image.
#pragma once

#include "download.h"

#include <QFile>
#include <QIODevice>
#include <QPointer>

namespace conduit::transfer {

class StagedReader : public QIODevice {
    Q_OBJECT
public:
    explicit StagedReader(Download *download, QObject *parent = nullptr);
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QPointer<Download> download_;
    QFile file_;
    qint64 position_ = 0;
};

} // namespace conduit::transfer
