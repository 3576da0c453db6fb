#include "doipstream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace conduit::bootloader {

namespace {

int msUntil(std::optional<Clock::time_point> deadline) {
    if (!deadline) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    // Round up so a wait never ends just before its deadline and spins.
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left + 1, 1 << 30));
}

std::string sslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += (out.empty() ? "" : "; ") + std::string(buf);
    }
    return out.empty() ? std::string("no detail from OpenSSL") : out;
}

TransportError lost(const std::string &peer, const std::string &what) {
    return {TransportErrorKind::ConnectionLost, what + " " + peer + ": "};
}

std::string hexOf(const unsigned char *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

} // namespace

std::string normalizePin(const std::string &pin) {
    std::string out;
    for (char c : pin)
        if (c != ':' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

SigpipeBlock::SigpipeBlock() {
    sigset_t pipe, pending;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pending);
    pendingBefore_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
}

SigpipeBlock::~SigpipeBlock() {
    if (!pendingBefore_) {
        sigset_t pipe, pending;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) == 1) {
            const timespec now{0, 0};
            while (sigtimedwait(&pipe, nullptr, &now) < 0 && errno == EINTR) {}
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

bool validPin(const std::string &pin) {
    const std::string p = normalizePin(pin);
    return p.size() == 64 && p.find_first_not_of("0123456789abcdef") == std::string::npos;
}

DoipStream::DoipStream(int fd, std::string peer)
    : fd_(fd), wakeFd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), peer_(std::move(peer)) {}

DoipStream::~DoipStream() {
    shutdown();
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
    if (wakeFd_ >= 0) ::close(wakeFd_);
}

std::unique_ptr<DoipStream> DoipStream::connect(const std::string &host, uint16_t port,
                                                const std::optional<TlsPin> &tls, Clock::time_point deadline,
                                                std::optional<TransportError> &error) {
    const std::string peer =
        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
    if (tls && !validPin(tls->sha256)) {
        error = TransportError{TransportErrorKind::Configuration,
                               "DoIP TLS to " + peer +
                                   ": the certificate pin must be 64 hex digits (SHA-256 of the "
                                   "server certificate's DER), got \"" +
                                   tls->sha256 + "\""};
        return nullptr;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo *found = nullptr;
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
        error =
            TransportError{TransportErrorKind::Configuration, "DoIP entity address " + peer + ": " + gai_strerror(rc)};
        return nullptr;
    }
    std::string why = "no address";
    bool timedOut = false;
    int fd = -1;
    for (addrinfo *ai = found; ai && fd < 0; ai = ai->ai_next) {
        int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            why = std::strerror(errno);
            continue;
        }
        const int one = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd p{s, POLLOUT, 0};
            rc = ::poll(&p, 1, msUntil(deadline));
            if (rc == 0) {
                timedOut = true;
                why = "no answer";
                rc = -1;
            } else if (rc > 0) {
                int soError = 0;
                socklen_t len = sizeof soError;
                getsockopt(s, SOL_SOCKET, SO_ERROR, &soError, &len);
                rc = soError ? -1 : 0;
                if (soError) why = std::strerror(soError);
            } else {
                why = std::strerror(errno);
            }
        } else if (rc < 0) {
            why = std::strerror(errno);
        }
        if (rc == 0)
            fd = s;
        else
            ::close(s);
    }
    freeaddrinfo(found);
    if (fd < 0) {
        error = TransportError{timedOut ? TransportErrorKind::Timeout : TransportErrorKind::ConnectionLost,
                               "cannot connect to DoIP entity " + peer + ": " + why};
        return nullptr;
    }
    // Plain TCP blocks in recv() while a reader waits with a deadline (see
    // read()); every other call on it passes MSG_DONTWAIT. TLS stays
    // non-blocking: OpenSSL reads and writes the socket itself.
    if (!tls) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::unique_ptr<DoipStream> stream(new DoipStream(fd, peer));
    if (stream->wakeFd_ < 0) {
        error = TransportError{TransportErrorKind::Configuration, std::string("eventfd: ") + std::strerror(errno)};
        return nullptr;
    }
    if (tls) {
        if ((error = stream->handshake(*tls, deadline))) return nullptr;
    }
    return stream;
}

std::optional<TransportError> DoipStream::handshake(const TlsPin &pin, Clock::time_point deadline) {
    const std::string want = normalizePin(pin.sha256);
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_ || !SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION))
        return TransportError{TransportErrorKind::Configuration, "DoIP TLS context: " + sslErrors()};
    // The pin is the trust decision (checked below), not a CA chain: ECUs carry self-signed certificates.
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    if (!ssl_ || !SSL_set_fd(ssl_, fd_))
        return TransportError{TransportErrorKind::Configuration, "DoIP TLS session: " + sslErrors()};
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    for (;;) {
        ERR_clear_error();
        SigpipeBlock quiet;
        const int rc = SSL_connect(ssl_);
        if (rc == 1) break;
        const int e = SSL_get_error(ssl_, rc);
        bool woken = false;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (!waitFor(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, woken))
                return TransportError{TransportErrorKind::Timeout, "DoIP TLS handshake with " + peer_ + " timed out"};
            continue;
        }
        TransportError err = lost(peer_, "DoIP TLS handshake with");
        err.message += e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? std::string("connection closed") : sslErrors();
        return err;
    }
    X509 *cert = SSL_get1_peer_certificate(ssl_);
    if (!cert)
        return TransportError{TransportErrorKind::Configuration, "DoIP TLS: " + peer_ + " presented no certificate"};
    unsigned char *der = nullptr;
    const int derLength = i2d_X509(cert, &der);
    X509_free(cert);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned digestLength = 0;
    const bool hashed =
        derLength > 0 && EVP_Digest(der, static_cast<size_t>(derLength), digest, &digestLength, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    if (!hashed) return TransportError{TransportErrorKind::Configuration, "DoIP TLS: hashing the certificate failed"};
    const std::string got = hexOf(digest, digestLength);
    if (got != want)
        return TransportError{TransportErrorKind::Configuration, "DoIP TLS: the certificate of " + peer_ +
                                                                     " does not match the pin (sha256 " + got +
                                                                     ", pinned " + want + ")"};
    return std::nullopt;
}

bool DoipStream::waitFor(short events, std::optional<Clock::time_point> deadline, bool &woken) {
    for (;;) {
        pollfd p[2] = {{fd_, events, 0}, {wakeFd_, POLLIN, 0}};
        const int rc = ::poll(p, 2, msUntil(deadline));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return false;
        if (p[1].revents & POLLIN) {
            uint64_t count;
            (void)!::read(wakeFd_, &count, sizeof count);
            woken = true;
            return false;
        }
        return true; // readable, writable, or an error/hang-up the next call reports
    }
}

void DoipStream::shutdown() {
    std::lock_guard session(sslMutex_);
    if (closed_) return;
    closed_ = true;
    if (ssl_) {
        SigpipeBlock quiet;
        SSL_shutdown(ssl_); // best effort close_notify on a non-blocking socket
    }
    ::shutdown(fd_, SHUT_RDWR);
}

void DoipStream::wake() {
    const uint64_t one = 1;
    (void)!::write(wakeFd_, &one, sizeof one);
}

std::optional<TransportError> DoipStream::write(std::span<const uint8_t> head, std::span<const uint8_t> body,
                                                Clock::time_point deadline) {
    std::lock_guard writer(writeMutex_);
    Bytes joined; // TLS: one record for the whole message
    if (ssl_ && !body.empty()) {
        joined.reserve(head.size() + body.size());
        joined.assign(head.begin(), head.end());
        joined.insert(joined.end(), body.begin(), body.end());
        head = joined;
        body = {};
    }
    const std::span<const uint8_t> bytes = head; // what SSL_write takes
    const size_t total = head.size() + body.size();
    size_t done = 0;
    while (done < total) {
        ssize_t n;
        short waitEvents = POLLOUT;
        std::string why;
        if (ssl_) {
            std::lock_guard session(sslMutex_);
            SigpipeBlock quiet;
            ERR_clear_error();
            const int rc =
                SSL_write(ssl_, bytes.data() + done, static_cast<int>(std::min<size_t>(bytes.size() - done, 1 << 30)));
            n = rc;
            if (rc <= 0) {
                const int e = SSL_get_error(ssl_, rc);
                if (e == SSL_ERROR_WANT_READ)
                    waitEvents = POLLIN; // rare (TLS 1.3 post-handshake); the reader drains it
                else if (e != SSL_ERROR_WANT_WRITE)
                    why = sslErrors();
            }
        } else {
            iovec parts[2];
            msghdr m{};
            m.msg_iov = parts;
            if (done < head.size()) {
                parts[0] = {const_cast<uint8_t *>(head.data() + done), head.size() - done};
                parts[1] = {const_cast<uint8_t *>(body.data()), body.size()};
                m.msg_iovlen = body.empty() ? 1 : 2;
            } else {
                parts[0] = {const_cast<uint8_t *>(body.data() + (done - head.size())), total - done};
                m.msg_iovlen = 1;
            }
            n = ::sendmsg(fd_, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EINTR) why = std::strerror(errno);
        }
        if (n > 0) {
            done += static_cast<size_t>(n);
            continue;
        }
        if (!why.empty()) {
            TransportError err = lost(peer_, "DoIP connection to");
            err.message += why;
            return err;
        }
        // Polled without any lock, so the reader keeps draining while the peer's window is full.
        pollfd p{fd_, waitEvents, 0};
        const int timeout = waitEvents == POLLIN ? std::min(msUntil(deadline), 10) : msUntil(deadline);
        if (::poll(&p, 1, timeout) == 0 && Clock::now() >= deadline)
            return TransportError{TransportErrorKind::Timeout, "DoIP connection to " + peer_ + ": sending timed out"};
    }
    return std::nullopt;
}

DoipStream::Read DoipStream::read(Bytes &out, std::optional<Clock::time_point> deadline, std::string &error) {
    uint8_t buf[65536];
    // A reader comes here when what it waits for has not arrived: on plain
    // TCP, poll first (a recv would mostly say EAGAIN). TLS must ask OpenSSL
    // first, which may hold decrypted bytes already.
    if (!ssl_ && deadline) return readBlocking(out, *deadline, error);
    bool woken = false;
    if (!ssl_ && !waitFor(POLLIN, deadline, woken)) return woken ? Read::Woken : Read::Timeout;
    for (;;) {
        size_t got = 0;
        bool wantRead = true, closed = false;
        if (ssl_) {
            std::lock_guard session(sslMutex_);
            SigpipeBlock quiet; // a read may write (TLS 1.3 key update, alerts)
            // Drain everything OpenSSL has decrypted, so poll() never waits on data already buffered.
            for (;;) {
                ERR_clear_error();
                const int rc = SSL_read(ssl_, buf, sizeof buf);
                if (rc > 0) {
                    out.insert(out.end(), buf, buf + rc);
                    got += static_cast<size_t>(rc);
                    continue;
                }
                const int e = SSL_get_error(ssl_, rc);
                if (e == SSL_ERROR_WANT_READ) break;
                if (e == SSL_ERROR_WANT_WRITE) {
                    wantRead = false;
                    break;
                }
                closed = true;
                error = e == SSL_ERROR_ZERO_RETURN                        ? std::string("closed by the entity")
                        : e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? std::string("connection closed")
                                                                          : sslErrors();
                break;
            }
        } else {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                out.insert(out.end(), buf, buf + n);
                got = static_cast<size_t>(n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                closed = true;
                error = n == 0 ? std::string("closed by the entity") : std::strerror(errno);
            }
        }
        if (got > 0) return Read::Data;
        if (closed) {
            error = "DoIP connection to " + peer_ + ": " + error;
            return Read::Closed;
        }
        if (!waitFor(wantRead ? POLLIN : POLLOUT, deadline, woken)) return woken ? Read::Woken : Read::Timeout;
    }
}

DoipStream::Read DoipStream::readBlocking(Bytes &out, Clock::time_point deadline, std::string &error) {
    uint8_t buf[65536];
    for (;;) {
        const int left = msUntil(deadline);
        if (left == 0) return Read::Timeout;
        // SO_RCVTIMEO changes only when it would end the wait more than 2 ms
        // late, or is short enough to spin: the transfer path's waits (about
        // P2 each) reuse it without a system call.
        if (receiveTimeoutMs_ == 0 || receiveTimeoutMs_ > left + 2 || receiveTimeoutMs_ < std::min(left, 20)) {
            const timeval tv{left / 1000, (left % 1000) * 1000};
            if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0) receiveTimeoutMs_ = left;
        }
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            out.insert(out.end(), buf, buf + n);
            return Read::Data;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue; // its deadline is looked at above
        error = "DoIP connection to " + peer_ + ": " +
                (n == 0 ? std::string("closed by the entity") : std::strerror(errno));
        return Read::Closed;
    }
}

} // namespace conduit::bootloader
