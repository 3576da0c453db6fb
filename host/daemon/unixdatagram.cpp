#include "unixdatagram.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace conduit::daemon {

namespace {
// The address of `path` and its length (0 when it does not fit).
socklen_t addressOf(const QByteArray &path, sockaddr_un *a) {
    std::memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (path.isEmpty() || static_cast<size_t>(path.size()) >= sizeof a->sun_path) return 0;
    std::memcpy(a->sun_path, path.constData(), static_cast<size_t>(path.size()));
    if (path.startsWith('@')) a->sun_path[0] = '\0'; // abstract: the name is not NUL-terminated
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + static_cast<size_t>(path.size()) +
                                  (path.startsWith('@') ? 0 : 1));
}
} // namespace

UnixDatagram::UnixDatagram(const QByteArray &path) : path_(path) {
    sockaddr_un a;
    if (addressOf(path, &a) == 0) {
        error_ = QStringLiteral("socket path \"%1\" is empty or too long").arg(QString::fromLocal8Bit(path));
        return;
    }
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) error_ = QString::fromLocal8Bit(std::strerror(errno));
}

UnixDatagram::~UnixDatagram() {
    if (fd_ >= 0) ::close(fd_);
}

bool UnixDatagram::send(const QByteArray &data, QString *error) const {
    sockaddr_un a;
    const socklen_t len = addressOf(path_, &a);
    if (fd_ < 0 || len == 0) {
        if (error) *error = error_;
        return false;
    }
    ssize_t n;
    do {
        n = ::sendto(fd_, data.constData(), static_cast<size_t>(data.size()), MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr *>(&a), len);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(data.size())) return true;
    if (error) *error = n < 0 ? QString::fromLocal8Bit(std::strerror(errno)) : QStringLiteral("short send");
    return false;
}

} // namespace conduit::daemon
