#include "tlsprobe.h"

#include <QByteArray>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace conduit::gathering::mqtt {

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

QString sslErrors() {
    QString out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.isEmpty()) out += QStringLiteral("; ");
        out += QString::fromLatin1(ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf);
    }
    return out;
}

// A TCP connection within the timeout, or the cause.
bool connectTcp(const TlsProbe &p, Fd *fd, QString *why) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *res = nullptr;
    const QByteArray host = p.host.toUtf8(), port = QByteArray::number(p.port);
    if (const int rc = ::getaddrinfo(host.constData(), port.constData(), &hints, &res); rc != 0) {
        *why = QStringLiteral("cannot resolve %1: %2").arg(p.host, QString::fromUtf8(::gai_strerror(rc)));
        return false;
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
    fd->fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd->fd < 0) {
        *why = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    if (::connect(fd->fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
        *why = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    pollfd pfd{fd->fd, POLLOUT, 0};
    if (::poll(&pfd, 1, p.timeoutMs) != 1) {
        *why = QStringLiteral("no answer within %1 ms").arg(p.timeoutMs);
        return false;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        *why = QString::fromLocal8Bit(std::strerror(err));
        return false;
    }
    // Blocking from here, each step bounded.
    int flags = 0;
    ::ioctl(fd->fd, FIONBIO, &flags);
    timeval tv{p.timeoutMs / 1000, (p.timeoutMs % 1000) * 1000};
    ::setsockopt(fd->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return true;
}

} // namespace

std::optional<LinkFailure> probeTls(const TlsProbe &p) {
    const QString &where = p.uri;
    Fd fd;
    QString why;
    if (!connectTcp(p, &fd, &why))
        return LinkFailure{LinkError::Unreachable, QStringLiteral("no connection to %1: %2").arg(where, why)};

    ERR_clear_error();
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    auto tls = [&](const QString &what) {
        return LinkFailure{LinkError::Tls, QStringLiteral("TLS with %1: %2").arg(where, what)};
    };
    if (!ctx) return tls(sslErrors());
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx.get(), p.caFile.toLocal8Bit().constData(), nullptr) != 1)
        return tls(QStringLiteral("cannot load the CA file %1: %2").arg(p.caFile, sslErrors()));
    if (!p.certFile.isEmpty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx.get(), p.certFile.toLocal8Bit().constData()) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx.get(), p.keyFile.toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1)
            return tls(QStringLiteral("cannot load the client certificate %1 / key %2: %3")
                           .arg(p.certFile, p.keyFile, sslErrors()));
    }
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    const QByteArray host = p.host.toUtf8();
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl.get());
    in6_addr scratch{};
    const bool isIp =
        ::inet_pton(AF_INET, host.constData(), &scratch) == 1 || ::inet_pton(AF_INET6, host.constData(), &scratch) == 1;
    if (isIp)
        X509_VERIFY_PARAM_set1_ip_asc(param, host.constData());
    else {
        X509_VERIFY_PARAM_set1_host(param, host.constData(), 0);
        SSL_set_tlsext_host_name(ssl.get(), host.constData());
    }
    SSL_set_fd(ssl.get(), fd.fd);
    if (SSL_connect(ssl.get()) != 1) {
        const long verify = SSL_get_verify_result(ssl.get());
        QString cause = sslErrors();
        if (verify != X509_V_OK)
            cause += QStringLiteral(" (%1)").arg(QString::fromLatin1(X509_verify_cert_error_string(verify)));
        return tls(cause.isEmpty() ? QStringLiteral("the handshake failed") : cause);
    }
    // TLS 1.3: the server checks the client certificate after the client
    // finished; a refusal is an alert on the first read. A server that
    // accepted waits for MQTT's CONNECT instead: the read times out.
    char byte;
    const int n = SSL_read(ssl.get(), &byte, 1);
    if (n <= 0 && SSL_get_error(ssl.get(), n) == SSL_ERROR_SSL)
        return tls(QStringLiteral("the broker refused the handshake: %1").arg(sslErrors()));
    return std::nullopt;
}

} // namespace conduit::gathering::mqtt
