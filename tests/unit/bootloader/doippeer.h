// A small DoIP entity for the client's unit test, built on the codec:
// listens on 127.0.0.1, accepts connections one after another (plain TCP or
// TLS with a given certificate) and runs the test's handler on each. Its
// reads are bounded (5 s), so a client that goes quiet fails the test
// instead of hanging it.
#pragma once

#include "doipstream.h"
#include "proto/doip.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace doippeer {

using namespace conduit::bootloader::doip;

class Conn {
public:
    Conn(int fd, SSL *ssl) : fd_(fd), ssl_(ssl) {}

    // The next whole message, or nullopt when the client closed (or 5 s passed).
    std::optional<Message> read() {
        for (;;) {
            Message m;
            GenericNackCode nack{};
            const auto s = parser_.next(m, nack);
            if (s == StreamParser::Status::Message) return m;
            if (s != StreamParser::Status::NeedMore) return std::nullopt;
            uint8_t buf[4096];
            conduit::bootloader::SigpipeBlock quiet; // TLS reads write too (session tickets, alerts)
            const int n = ssl_ ? SSL_read(ssl_, buf, sizeof buf) : static_cast<int>(::recv(fd_, buf, sizeof buf, 0));
            if (n <= 0) return std::nullopt;
            parser_.feed(std::span(buf, static_cast<size_t>(n)));
        }
    }
    void writeRaw(const Bytes &b) {
        conduit::bootloader::SigpipeBlock quiet;
        if (ssl_)
            SSL_write(ssl_, b.data(), static_cast<int>(b.size()));
        else
            (void)!::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
    }
    void write(PayloadType type, const Bytes &payload, Version v = Version::Iso2012) {
        writeRaw(encode(v, type, payload));
    }
    // The next `n` messages, in arrival order (fewer if the client closed).
    std::vector<Message> read(size_t n) {
        std::vector<Message> out;
        while (out.size() < n)
            if (auto m = read())
                out.push_back(std::move(*m));
            else
                break;
        return out;
    }
    // Reads the routing activation request and answers `code` (0x10: active).
    std::optional<RoutingActivationRequest> route(uint8_t code = 0x10) {
        auto m = read();
        std::string error;
        if (!m || m->type != static_cast<uint16_t>(PayloadType::RoutingActivationRequest)) return std::nullopt;
        lastVersion = m->version;
        auto r = decodeRoutingRequest(m->payload, error);
        if (r)
            write(PayloadType::RoutingActivationResponse, encodeRoutingResponse({r->sourceAddress, 0x1000, code, {}}));
        return r;
    }
    // Reads one diagnostic message, ACKs it positively, returns it.
    std::optional<DiagnosticMessage> diagnostic(bool ack = true) {
        auto m = read();
        std::string error;
        if (!m || m->type != static_cast<uint16_t>(PayloadType::DiagnosticMessage)) return std::nullopt;
        auto d = decodeDiagnostic(m->payload, error);
        if (d && ack) write(PayloadType::DiagnosticAck, encodeDiagnosticAck({d->target, d->source, 0x00, {}}));
        return d;
    }
    Version lastVersion = Version::Iso2012;

private:
    int fd_;
    SSL *ssl_;
    StreamParser parser_;
};

class Peer {
public:
    using Handler = std::function<void(Conn &)>;

    // `connections` handlers run in turn, one per accepted connection.
    explicit Peer(std::vector<Handler> handlers, SSL_CTX *tls = nullptr) : tls_(tls) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        if (::bind(fd_, reinterpret_cast<sockaddr *>(&sa), len) < 0 || ::listen(fd_, 8) < 0)
            throw std::runtime_error("peer: cannot listen on 127.0.0.1");
        getsockname(fd_, reinterpret_cast<sockaddr *>(&sa), &len);
        port_ = ntohs(sa.sin_port);
        thread_ = std::thread([this, handlers = std::move(handlers)] {
            for (const auto &h : handlers) {
                const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) return;
                timeval tv{5, 0};
                setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                const int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                SSL *ssl = nullptr;
                if (tls_) {
                    ssl = SSL_new(tls_);
                    SSL_set_fd(ssl, c);
                    conduit::bootloader::SigpipeBlock quiet;
                    if (SSL_accept(ssl) != 1) {
                        SSL_free(ssl);
                        ::close(c);
                        ++tlsFailures;
                        continue;
                    }
                }
                Conn conn(c, ssl);
                h(conn);
                if (ssl) {
                    conduit::bootloader::SigpipeBlock quiet;
                    SSL_shutdown(ssl);
                    SSL_free(ssl);
                }
                ::close(c);
            }
        });
    }
    ~Peer() {
        join();
        ::close(fd_);
    }
    // Waits for the handlers to end (the client must have closed); after it
    // what the handlers captured may be read.
    void join() {
        ::shutdown(fd_, SHUT_RDWR);
        if (thread_.joinable()) thread_.join();
    }
    uint16_t port() const { return port_; }
    std::atomic<int> tlsFailures{0};

private:
    int fd_ = -1;
    uint16_t port_ = 0;
    SSL_CTX *tls_;
    std::thread thread_;
};

} // namespace doippeer
