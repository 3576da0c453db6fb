// The byte stream under a DoIP connection: TCP (TCP_NODELAY) or TLS 1.2+
// with the server certificate pinned by the SHA-256 of its DER. One reader
// thread and any number of writer threads may use it at once: writers are
// serialised whole-message by a mutex, and with TLS every OpenSSL call on
// the session takes a second, short-held mutex (OpenSSL forbids concurrent
// calls on one SSL).
#pragma once

#include "transport.h"

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace conduit::bootloader {

struct TlsPin {
    std::string sha256; // hex of the SHA-256 of the server certificate's DER (colons and case ignored)
};

class DoipStream {
public:
    // Connects to host:port before `deadline`; with `tls`, handshakes and
    // checks the pin. Errors: Configuration (bad address, pin mismatch),
    // ConnectionLost (refused, unreachable, handshake failed), Timeout.
    static std::unique_ptr<DoipStream> connect(const std::string &host, uint16_t port,
                                               const std::optional<TlsPin> &tls, Clock::time_point deadline,
                                               std::optional<TransportError> &error);
    ~DoipStream();
    DoipStream(const DoipStream &) = delete;
    DoipStream &operator=(const DoipStream &) = delete;

    // [thread-safe] Writes every byte before `deadline`.
    std::optional<TransportError> write(std::span<const uint8_t> bytes, Clock::time_point deadline);

    enum class Read { Data, Timeout, Woken, Closed };
    // [reader thread] Appends what arrives to `out`, waiting until data,
    // `deadline` (nullopt: no limit), wake() or the peer's close/error
    // (Closed, with the reason in `error`).
    Read read(Bytes &out, std::optional<Clock::time_point> deadline, std::string &error);
    // [thread-safe] Makes a pending or the next read() return Woken.
    void wake();

    const std::string &peer() const { return peer_; } // "127.0.0.1:13400"
    bool tls() const { return ssl_ != nullptr; }

private:
    DoipStream(int fd, std::string peer);
    std::optional<TransportError> handshake(const TlsPin &pin, Clock::time_point deadline);
    // Waits for `events` on the socket (and the wake fd); false on timeout or wake.
    bool waitFor(short events, std::optional<Clock::time_point> deadline, bool &woken);

    int fd_ = -1, wakeFd_ = -1;
    std::string peer_;
    SSL_CTX *ctx_ = nullptr;
    SSL *ssl_ = nullptr;
    std::mutex writeMutex_, sslMutex_;
};

// "ab:CD:01..." -> "abcd01..."; used to compare pins.
std::string normalizePin(const std::string &pin);

} // namespace conduit::bootloader
