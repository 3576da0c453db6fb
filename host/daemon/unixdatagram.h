// One datagram to a Unix socket named by path: the way the service manager
// (sd_notify) and journald (native protocol) are spoken to. A path that
// starts with '@' names a socket in the abstract namespace.
#pragma once

#include <QByteArray>
#include <QString>

namespace conduit::daemon {

class UnixDatagram {
public:
    // An unbound datagram socket to send to `path`; valid() is false (and
    // error() says why) when it cannot be opened or the path is too long.
    explicit UnixDatagram(const QByteArray &path);
    ~UnixDatagram();
    UnixDatagram(const UnixDatagram &) = delete;
    UnixDatagram &operator=(const UnixDatagram &) = delete;

    bool valid() const { return fd_ >= 0; }
    QString error() const { return error_; }
    const QByteArray &path() const { return path_; }
    // Sends `data` as one datagram; false with *error (errno's text) when
    // it is not sent (no listener, too large, buffer full). [thread-safe]
    bool send(const QByteArray &data, QString *error = nullptr) const;

private:
    QByteArray path_;
    int fd_ = -1;
    QString error_;
};

} // namespace conduit::daemon
