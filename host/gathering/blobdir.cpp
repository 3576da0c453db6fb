#include "blobdir.h"

#include "core/durablefile.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace conduit::gathering {

namespace {

const QLatin1String kTmpPrefix(".tmp-");

QString errnoText(int e) {
    if (e == ENOSPC) return QStringLiteral("disk full");
    return QString::fromLocal8Bit(strerror(e));
}

QString randomName() {
    quint64 r[2];
    QRandomGenerator::system()->fillRange(r);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(r), sizeof r).toHex()) +
           QStringLiteral(".blob");
}

} // namespace

bool BlobDir::open(StoreFailure *f) {
    if (!QDir().mkpath(dir_)) return fail(f, StoreError::Io, QStringLiteral("cannot create %1").arg(dir_));
    return true;
}

bool BlobDir::write(const QByteArray &bytes, BlobFile *out, StoreFailure *f) { return writeFrom(-1, &bytes, out, f); }

bool BlobDir::copy(const QString &sourcePath, BlobFile *out, StoreFailure *f) {
    const int in = ::open(QFile::encodeName(sourcePath).constData(), O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fail(f, StoreError::Invalid, QStringLiteral("cannot read %1: %2").arg(sourcePath, errnoText(errno)));
    const bool ok = writeFrom(in, nullptr, out, f);
    ::close(in);
    return ok;
}

bool BlobDir::writeFrom(int inFd, const QByteArray *bytes, BlobFile *out, StoreFailure *f) {
    const QString name = randomName();
    const QByteArray tmp = QFile::encodeName(path(kTmpPrefix + name));
    const QByteArray final = QFile::encodeName(path(name));
    auto failed = [&](const QString &what, int e) {
        ::unlink(tmp.constData());
        return fail(f, StoreError::Io, QStringLiteral("cannot %1 %2: %3").arg(what, path(name), errnoText(e)));
    };
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return failed(QStringLiteral("create"), errno);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    qint64 size = 0;
    bool ok = true;
    int err = 0;
    if (bytes) {
        ok = core::writeFully(fd, bytes->constData(), size_t(bytes->size()));
        hash.addData(*bytes);
        size = bytes->size();
    } else {
        QByteArray buf(1 << 20, Qt::Uninitialized);
        for (;;) {
            const ssize_t n = ::read(inFd, buf.data(), size_t(buf.size()));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                err = errno;
                ::close(fd);
                ::unlink(tmp.constData());
                return fail(f, StoreError::Invalid,
                            QStringLiteral("cannot read the source of %1: %2").arg(name, errnoText(err)));
            }
            if (n == 0) break;
            if (!core::writeFully(fd, buf.constData(), size_t(n))) {
                ok = false;
                break;
            }
            hash.addData(QByteArrayView(buf.constData(), n));
            size += n;
        }
    }
    if (ok) ok = ::fsync(fd) == 0;
    err = errno;
    ::close(fd);
    if (!ok) return failed(QStringLiteral("write"), err);
    if (::rename(tmp.constData(), final.constData()) != 0) return failed(QStringLiteral("rename into place"), errno);
    *out = {name, size, hash.result()};
    return true;
}

bool BlobDir::syncDirectory(StoreFailure *f) {
    const int dfd = ::open(QFile::encodeName(dir_).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || ::fsync(dfd) != 0) {
        const int e = errno;
        if (dfd >= 0) ::close(dfd);
        return fail(f, StoreError::Io, QStringLiteral("cannot sync %1: %2").arg(dir_, errnoText(e)));
    }
    ::close(dfd);
    return true;
}

void BlobDir::remove(const QString &name) { ::unlink(QFile::encodeName(path(name)).constData()); }

QStringList BlobDir::names() const {
    QStringList out;
    for (const QString &n : QDir(dir_).entryList(QDir::Files | QDir::Hidden))
        if (!n.startsWith(kTmpPrefix)) out << n;
    return out;
}

void BlobDir::removeTemporaries() {
    for (const QString &n : QDir(dir_).entryList(QDir::Files | QDir::Hidden))
        if (n.startsWith(kTmpPrefix)) remove(n);
}

qint64 BlobDir::sizeOf(const QString &name) const {
    struct stat st {};
    if (::stat(QFile::encodeName(path(name)).constData(), &st) != 0) return -1;
    return st.st_size;
}

} // namespace conduit::gathering
