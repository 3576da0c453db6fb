#include "verifiedstream.h"

namespace conduit::upstream {

VerifiedStream::VerifiedStream(std::unique_ptr<QIODevice> source, trust::ImageVerifier verifier)
    : source_(std::move(source)), verifier_(std::move(verifier)) {
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    connect(source_.get(), &QIODevice::readyRead, this, &QIODevice::readyRead);
    connect(source_.get(), &QIODevice::readChannelFinished, this, &QIODevice::readChannelFinished);
}

VerifiedStream::VerifiedStream(std::unique_ptr<transfer::StagedReader> source, trust::ImageVerifier verifier)
    : VerifiedStream(std::unique_ptr<QIODevice>(source.get()), std::move(verifier)) {
    staged_ = source.release();
    if (!verifier_.delegateHash(QStringLiteral("sha256"))) staged_ = nullptr; // no sha256 listed: hash here
}

bool VerifiedStream::atEnd() const { return finished_ && !failed_; }

qint64 VerifiedStream::bytesAvailable() const {
    return std::min(source_->bytesAvailable(), verifier_.remaining()) + QIODevice::bytesAvailable();
}

qint64 VerifiedStream::readData(char *data, qint64 maxSize) {
    if (failed_) return -1;
    if (finished_) return 0;
    // Never ask the source for more than the signed length allows, plus one
    // byte to notice an image that is too long (endless data). The signed
    // length may be as large as INT64_MAX: no "remaining + 1" overflow.
    const qint64 remaining = verifier_.remaining();
    const qint64 want = remaining < maxSize ? remaining + 1 : maxSize;
    const qint64 n = want > 0 ? source_->read(data, want) : 0;
    if (n < 0) {
        setErrorString(QStringLiteral("source read failed: %1").arg(source_->errorString()));
        failed_ = true;
        return -1;
    }
    if (n > 0) {
        auto s = verifier_.addData(QByteArrayView(data, n));
        if (!s) {
            setErrorString(s.error().message);
            failed_ = true;
            return -1;
        }
    }
    if (verifier_.remaining() == 0 && failTrailingData()) return -1;
    if (verifier_.remaining() == 0 || (n == 0 && source_->atEnd())) {
        if (staged_) verifier_.provideDigest(QStringLiteral("sha256"), staged_->verifiedSha256());
        auto s = verifier_.finish();
        if (!s) {
            setErrorString(s.error().message);
            // Withhold the last bytes: a consumer that counts to the
            // signed length must never see a complete, unverified image.
            failed_ = true;
            return -1;
        }
        finished_ = true;
    }
    return n;
}

// A reader that asks for exactly the signed length (the runner does) never
// reads the extra byte above; so once the signed length is reached, a
// source that still holds data (a bundle entry longer than its target) is
// refused here, by the verifier's own endless-data check.
bool VerifiedStream::failTrailingData() {
    if (source_->bytesAvailable() <= 0) return false;
    char extra = 0;
    if (source_->read(&extra, 1) != 1) return false;
    auto s = verifier_.addData(QByteArrayView(&extra, 1));
    if (s) return false; // cannot happen: remaining() is 0
    setErrorString(s.error().message);
    failed_ = true;
    return true;
}

} // namespace conduit::upstream
