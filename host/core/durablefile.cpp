#include "durablefile.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace conduit::core {

namespace {

QString errnoText() { return QString::fromLocal8Bit(strerror(errno)); }

} // namespace

bool writeFully(int fd, const char *p, size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return false;
        }
        p += w;
        n -= size_t(w);
    }
    return true;
}

bool replaceFileDurably(const QString &path, const QByteArray &bytes, QString *error) {
    const QByteArray target = QFile::encodeName(path);
    const QByteArray tmp = target + ".tmp";
    auto failed = [&](const char *what) {
        *error = QStringLiteral("cannot %1 %2: %3").arg(QLatin1String(what), path, errnoText());
        ::unlink(tmp.constData());
        return false;
    };
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return failed("create a temporary file for");
    const bool written = writeFully(fd, bytes.constData(), size_t(bytes.size())) && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    errno = saved;
    if (!written) return failed("write");
    if (::rename(tmp.constData(), target.constData()) != 0) return failed("rename onto");
    const int dfd =
        ::open(QFile::encodeName(QFileInfo(path).absolutePath()).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || ::fsync(dfd) != 0) {
        *error = QStringLiteral("cannot sync the directory of %1: %2").arg(path, errnoText());
        if (dfd >= 0) ::close(dfd);
        return false;
    }
    ::close(dfd);
    return true;
}

} // namespace conduit::core
