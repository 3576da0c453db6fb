#include "tusupload.h"

#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>
#include <QMetaObject>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcTus, "conduit.tus")

namespace conduit::transfer {

std::shared_ptr<TusUpload> TusUpload::start(QObject *owner, TusOptions options, TusRetry retry, TusObject object,
                                            Callbacks callbacks) {
    std::shared_ptr<TusUpload> u(new TusUpload(std::move(options), retry, std::move(object)));
    u->owner_ = owner;
    u->callbacks_ = std::move(callbacks);
    u->thread_ = std::thread([u = u.get()] { u->run(); });
    return u;
}

TusUpload::TusUpload(TusOptions options, TusRetry retry, TusObject object)
    : client_(std::move(options)), retry_(retry), object_(std::move(object)) {}

TusUpload::~TusUpload() {
    abort();
    join();
}

void TusUpload::abort() {
    live_ = false;
    client_.abort();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
}

void TusUpload::join() {
    if (thread_.joinable()) thread_.join();
}

void TusUpload::post(std::function<void()> call) {
    QMetaObject::invokeMethod(
        owner_,
        [self = shared_from_this(), call = std::move(call)] {
            if (self->live_) call();
        },
        Qt::QueuedConnection);
}

void TusUpload::report(const QUrl &url, qint64 offset, qint64 expiresMs) {
    post([self = shared_from_this(), p = TusProgress{url, offset, expiresMs}] {
        if (self->callbacks_.progress) self->callbacks_.progress(p);
    });
}

// Waits before the next try; false when stopped meanwhile.
bool TusUpload::backoff(int failures) {
    const qint64 delay = std::min<qint64>(retry_.maxBackoffMs, qint64(retry_.backoffMs) << std::min(failures - 1, 20));
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, std::chrono::milliseconds(delay), [this] { return stopping_; });
}

void TusUpload::run() {
    TusOutcome out;
    if (!object_.path.isEmpty()) {
        fd_ = ::open(QFile::encodeName(object_.path).constData(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0)
            out.failure = {TusError::Source, 0,
                           QStringLiteral("cannot open %1 to upload it: %2")
                               .arg(object_.path, QString::fromLocal8Bit(strerror(errno)))};
    }
    if (out.failure.code == TusError::None) out.complete = attempt(out);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    out.bytesSent = client_.bytesSent();
    if (out.failure.code == TusError::Aborted) return;
    post([self = shared_from_this(), out] {
        if (self->callbacks_.done) self->callbacks_.done(out);
    });
}

bool TusUpload::attempt(TusOutcome &out) {
    int failures = 0;
    // Counts a failure; true when it is worth another try (after the backoff).
    const auto again = [&](const TusFailure &f) {
        out.failure = f;
        if (!f.retriable() && f.code != TusError::Gone && f.code != TusError::Conflict) return false;
        if (++failures > retry_.maxFailures) return false;
        ++out.retries;
        qCInfo(lcTus) << "retrying after:" << f.message;
        return f.code != TusError::Server && f.code != TusError::Transport ? true : backoff(failures);
    };
    TusServerInfo server;
    TusFailure f;
    while (!client_.discover(&server, &f)) {
        ++out.requests;
        if (!again(f)) return false;
    }
    ++out.requests;
    if (server.maxSize > 0 && object_.size > server.maxSize) {
        out.failure = {TusError::TooLarge, 0,
                       QStringLiteral("the object of %1 bytes is larger than the server's Tus-Max-Size %2")
                           .arg(object_.size)
                           .arg(server.maxSize)};
        return false;
    }
    QUrl url = object_.knownUrl;
    qint64 expires = object_.knownExpiresMs;
    qint64 confirmed = -1; // the highest offset the server confirmed
    for (;;) {
        qint64 offset = 0;
        ++out.requests;
        if (!url.isEmpty() && expires > 0 && QDateTime::currentMSecsSinceEpoch() >= expires) {
            qCInfo(lcTus) << "upload" << url.toString() << "expired; creating it again";
            url.clear();
            out.recreated = true;
        }
        if (url.isEmpty()) {
            TusUploadInfo created;
            if (!client_.create(object_.size, object_.metadata, &url, &created, &f)) {
                url.clear();
                if (again(f)) continue;
                return false;
            }
            expires = created.expiresMs;
            report(url, 0, expires);
            if (object_.size == 0) return true; // complete at creation (the server checked the hash)
        } else {
            TusUploadInfo now;
            if (!client_.head(url, &now, &f)) {
                if (f.code == TusError::Gone) {
                    qCInfo(lcTus) << "upload" << url.toString() << "is gone on the server; creating it again";
                    url.clear();
                    out.recreated = true;
                }
                if (again(f)) continue;
                return false;
            }
            if ((now.length >= 0 && now.length != object_.size) || now.offset > object_.size) {
                qCWarning(lcTus) << "upload" << url.toString() << "is of another object (length" << now.length
                                 << "offset" << now.offset << "); creating it again";
                url.clear();
                out.recreated = true;
                if (again({TusError::Gone, 0, QStringLiteral("the known upload belongs to another object")})) continue;
                return false;
            }
            offset = now.offset;
            if (now.expiresMs > 0) expires = now.expiresMs;
            if (out.resumedFrom < 0) out.resumedFrom = offset;
            report(url, offset, expires);
            if (offset == object_.size) return true;
        }
        if (offset > confirmed) {
            confirmed = offset;
            failures = 0;
        }
        if (sendFrom(url, offset, expires, out, &f)) return true;
        if (f.code == TusError::Gone) {
            url.clear();
            out.recreated = true;
        }
        if (!again(f)) return false;
    }
}

// PATCHes from `offset` to the end; each confirmed chunk is reported.
bool TusUpload::sendFrom(const QUrl &url, qint64 offset, qint64 expires, TusOutcome &out, TusFailure *f) {
    const qint64 chunk = std::max<qint64>(1, client_.options().chunkSize);
    while (offset < object_.size) {
        const qint64 n = std::min(chunk, object_.size - offset);
        qint64 at = offset;
        const std::function<qint64(char *, qint64)> read = [this, &at](char *buffer, qint64 max) -> qint64 {
            qint64 got = 0;
            if (fd_ >= 0) {
                do {
                    got = ::pread(fd_, buffer, size_t(max), at);
                } while (got < 0 && errno == EINTR);
            } else if (at + max <= object_.bytes.size()) {
                std::memcpy(buffer, object_.bytes.constData() + at, size_t(max));
                got = max;
            }
            if (got > 0) at += got;
            return got;
        };
        TusUploadInfo after;
        ++out.requests;
        if (!client_.patch(url, offset, n, read, &after, f)) {
            if (f->code == TusError::Source)
                f->message += QStringLiteral(" (%1 at offset %2)").arg(object_.path).arg(at);
            return false;
        }
        offset = after.offset;
        if (after.expiresMs > 0) expires = after.expiresMs;
        report(url, offset, expires);
    }
    return true;
}

} // namespace conduit::transfer
