// Test harness: conduit-ecusim as a real child process (its log in a file,
// so a long run never blocks on a full pipe) and a small synchronous DoIP
// tester over loopback sockets built on the shared codec. Every wait is
// bounded by a deadline and driven by poll(), never a sleep.
#pragma once

#include "proto/doip.h"
#include "proto/uds.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <vector>

namespace ecusimtest {

namespace doip = conduit::bootloader::doip;
namespace uds = conduit::bootloader::uds;
using Bytes = std::vector<uint8_t>;

inline QByteArray hex(const Bytes &b) {
    return QByteArray(reinterpret_cast<const char *>(b.data()), qsizetype(b.size())).toHex();
}

class SimProcess {
public:
    ~SimProcess() { stop(); }

    bool start(const QString &stateDir, const QStringList &extra, QString *error) {
        const QString logFile = stateDir + QStringLiteral(".log");
        process_.setProgram(QStringLiteral(CONDUIT_ECUSIM_PATH));
        process_.setArguments(QStringList{QStringLiteral("--state-dir"), stateDir, QStringLiteral("--bind"),
                                          QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QStringLiteral("0"),
                                          QStringLiteral("--udp-port"), QStringLiteral("0")} +
                              extra);
        process_.setStandardErrorFile(logFile, QIODevice::Append);
        logPath_ = logFile;
        process_.start();
        if (!process_.waitForStarted(10000)) return (*error = process_.errorString()), false;
        const QDeadlineTimer deadline(15000);
        while (!process_.canReadLine() && !deadline.hasExpired() && process_.state() == QProcess::Running)
            process_.waitForReadyRead(int(deadline.remainingTime()));
        const QString first = QString::fromUtf8(process_.readLine()).trimmed();
        const QStringList parts = first.split(QLatin1Char(' '));
        if (parts.size() < 3 || parts[0] != QLatin1String("listening")) {
            *error = QStringLiteral("first line \"%1\", log: %2").arg(first, log());
            return false;
        }
        for (const QString &p : parts.mid(1)) {
            const quint16 v = quint16(p.section(QLatin1Char('='), 1).toUInt());
            if (p.startsWith(QLatin1String("tcp=")))
                tcpPort = v;
            else if (p.startsWith(QLatin1String("udp=")))
                udpPort = v;
            else if (p.startsWith(QLatin1String("tls=")))
                tlsPort = v;
        }
        return tcpPort && udpPort;
    }
    void kill() {
        process_.kill(); // SIGKILL: a power loss
        process_.waitForFinished(10000);
    }
    // SIGTERM; the exit code, or -1 when it had to be killed.
    int stop() {
        if (process_.state() == QProcess::NotRunning) return process_.exitCode();
        process_.terminate();
        if (!process_.waitForFinished(10000)) {
            kill();
            return -1;
        }
        return process_.exitCode();
    }
    bool waitForExit(int ms) { return process_.state() == QProcess::NotRunning || process_.waitForFinished(ms); }
    int exitCode() const { return process_.exitCode(); }
    QString log() const {
        QFile f(logPath_);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll().right(4000)) : QString();
    }

    quint16 tcpPort = 0, udpPort = 0, tlsPort = 0;

private:
    QProcess process_;
    QString logPath_;
};

inline sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// Waits for `fd` to be readable; false on timeout.
inline bool readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
}

// One DoIP TCP connection as a tester.
class Tester {
public:
    explicit Tester(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_in a = loopback(port);
        connected = ::connect(fd_, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0;
        const int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~Tester() {
        if (ssl_) SSL_free(ssl_);
        if (ctx_) SSL_CTX_free(ctx_);
        ::close(fd_);
    }

    // TLS over the connection, the server's certificate pinned (it is its own CA here).
    bool startTls(const QString &caFile) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        if (!ctx_ || SSL_CTX_load_verify_locations(ctx_, caFile.toLocal8Bit().constData(), nullptr) != 1) return false;
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        return SSL_connect(ssl_) == 1;
    }

    void sendRaw(const Bytes &b) {
        if (ssl_)
            (void)SSL_write(ssl_, b.data(), int(b.size()));
        else
            (void)::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
    }
    void send(doip::PayloadType type, const Bytes &payload, doip::Version v = doip::Version::Iso2012) {
        sendRaw(doip::encode(v, type, payload));
    }
    // The next message, or nothing on timeout / when the entity closed (then `closed` is set).
    std::optional<doip::Message> next(int ms = 10000) {
        const QDeadlineTimer deadline(ms);
        for (;;) {
            doip::Message m;
            doip::GenericNackCode nack{};
            const auto status = parser_.next(m, nack);
            if (status == doip::StreamParser::Status::Message) return m;
            if (status != doip::StreamParser::Status::NeedMore) return std::nullopt;
            const bool buffered = ssl_ && SSL_pending(ssl_) > 0;
            if (!buffered && (deadline.hasExpired() || !readable(fd_, int(deadline.remainingTime()))))
                return std::nullopt;
            uint8_t buffer[65536];
            const ssize_t n = ssl_ ? SSL_read(ssl_, buffer, sizeof buffer) : ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                closed = true;
                return std::nullopt;
            }
            parser_.feed(std::span<const uint8_t>(buffer, size_t(n)));
        }
    }
    std::optional<doip::RoutingActivationResponse> activate(uint16_t source = 0x0E00) {
        send(doip::PayloadType::RoutingActivationRequest, doip::encodeRoutingRequest({source, 0x00, std::nullopt}));
        const auto m = next();
        std::string error;
        if (!m || m->type != uint16_t(doip::PayloadType::RoutingActivationResponse)) return std::nullopt;
        return doip::decodeRoutingResponse(m->payload, error);
    }
    // A UDS request to `target`: the diagnostic ACK, any number of 0x78 (counted), the reply.
    // Empty when the ACK was negative (`nackCode` set) or nothing came.
    Bytes uds(uint16_t target, const Bytes &request, int ms = 15000) {
        send(doip::PayloadType::DiagnosticMessage, doip::encodeDiagnostic({0x0E00, target, request}));
        nackCode.reset();
        const auto ack = next(ms);
        std::string error;
        if (!ack) return {};
        if (ack->type == uint16_t(doip::PayloadType::DiagnosticNack)) {
            if (const auto a = doip::decodeDiagnosticAck(ack->payload, error)) nackCode = a->code;
            return {};
        }
        if (ack->type != uint16_t(doip::PayloadType::DiagnosticAck)) return {};
        for (int guard = 0; guard < 1000; ++guard) {
            const auto m = next(ms);
            if (!m || m->type != uint16_t(doip::PayloadType::DiagnosticMessage)) return {};
            const auto d = doip::decodeDiagnostic(m->payload, error);
            if (!d || d->source != target) return {};
            if (d->userData.size() == 3 && d->userData[0] == 0x7F && d->userData[2] == 0x78) {
                ++pendings;
                continue;
            }
            return d->userData;
        }
        return {};
    }

    bool connected = false, closed = false;
    std::optional<uint8_t> nackCode;
    int pendings = 0;

private:
    int fd_ = -1;
    SSL_CTX *ctx_ = nullptr;
    SSL *ssl_ = nullptr;
    doip::StreamParser parser_;
};

// A UDP socket on 127.0.0.1 for identification requests and announcements.
class UdpPeer {
public:
    UdpPeer() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a = loopback(0);
        ::bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~UdpPeer() { ::close(fd_); }
    void sendTo(uint16_t to, const Bytes &b) {
        const sockaddr_in a = loopback(to);
        ::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<const sockaddr *>(&a), sizeof a);
    }
    std::optional<Bytes> receive(int ms = 5000) {
        if (!readable(fd_, ms)) return std::nullopt;
        uint8_t buffer[2048];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n < 0) return std::nullopt;
        return Bytes(buffer, buffer + n);
    }
    uint16_t port = 0;

private:
    int fd_ = -1;
};

} // namespace ecusimtest
