// A read-only stream over an untrusted source that checks what passes
// through against the signed length and hashes (trust::ImageVerifier): it
// never delivers a byte past the signed length, and it fails the final read
// instead of reporting the end when the image does not verify. So an agent
// that reads to the end has, by construction, staged a verified image, and
// nothing is activated that was not.
#pragma once

#include "transfer/stagedreader.h"
#include "trust/imageverifier.h"

#include <QIODevice>

#include <memory>

namespace conduit::upstream {

class VerifiedStream : public QIODevice {
public:
    VerifiedStream(std::unique_ptr<QIODevice> source, trust::ImageVerifier verifier);
    // From a download: the image is hashed once, by the download, over the
    // very bytes this stream passes on (sha256, when the target lists it);
    // the length and any other listed hash are still checked here.
    VerifiedStream(std::unique_ptr<transfer::StagedReader> source, trust::ImageVerifier verifier);
    bool isSequential() const override { return true; }
    bool atEnd() const override;
    qint64 bytesAvailable() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    bool failTrailingData();

    std::unique_ptr<QIODevice> source_;
    transfer::StagedReader *staged_ = nullptr; // source_, when it is a download
    trust::ImageVerifier verifier_;
    bool finished_ = false;
    bool failed_ = false;
};

} // namespace conduit::upstream
