// The byte stream under a DoIP connection: TCP (TCP_NODELAY) or TLS 1.2+
// with the server certificate pinned by the SHA-256 of its DER. One reader
// thread and any number of writer threads may use it at once: writers are
// serialised whole-message by a mutex, and with TLS every OpenSSL call on
// the session takes a second, short-held mutex (OpenSSL forbids concurrent
// calls on one SSL).
#pragma once

#include "transport.h"

#include <csignal>
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
    static std::unique_ptr<DoipStream> connect(const std::string &host, uint16_t port, const std::optional<TlsPin> &tls,
                                               Clock::time_point deadline, std::optional<TransportError> &error);
    ~DoipStream();
    DoipStream(const DoipStream &) = delete;
    DoipStream &operator=(const DoipStream &) = delete;

    // [thread-safe] Writes every byte before `deadline`.
    std::optional<TransportError> write(std::span<const uint8_t> bytes, Clock::time_point deadline) {
        return write(bytes, {}, deadline);
    }
    // [thread-safe] Writes `head` then `body` as one message (one sendmsg on
    // TCP, one TLS record), without joining them first on TCP.
    std::optional<TransportError> write(std::span<const uint8_t> head, std::span<const uint8_t> body,
                                        Clock::time_point deadline);

    enum class Read { Data, Timeout, Woken, Closed };
    // [reader thread] Appends what arrives to `out`, waiting until data,
    // `deadline` (nullopt: no limit), wake() or the peer's close/error
    // (Closed, with the reason in `error`). On TCP a read with a deadline
    // blocks in recv() itself (no poll() first: one system call per read on
    // the transfer path) and is not woken by wake(), only by data, its
    // deadline (up to 2 ms late) or shutdown().
    Read read(Bytes &out, std::optional<Clock::time_point> deadline, std::string &error);
    // [thread-safe] Makes a pending or the next read() return Woken.
    void wake();
    // [thread-safe] Ends the connection (TLS close_notify, then TCP FIN); later calls fail.
    void shutdown();

    const std::string &peer() const { return peer_; } // "127.0.0.1:13400"
    bool tls() const { return ssl_ != nullptr; }

private:
    DoipStream(int fd, std::string peer);
    std::optional<TransportError> handshake(const TlsPin &pin, Clock::time_point deadline);
    // Waits for `events` on the socket (and the wake fd); false on timeout or wake.
    bool waitFor(short events, std::optional<Clock::time_point> deadline, bool &woken);
    // TCP, a reader with a deadline: blocks in recv() up to it.
    Read readBlocking(Bytes &out, Clock::time_point deadline, std::string &error);

    int fd_ = -1, wakeFd_ = -1;
    std::string peer_;
    SSL_CTX *ctx_ = nullptr;
    SSL *ssl_ = nullptr;
    std::mutex writeMutex_, sslMutex_;
    bool closed_ = false;      // under sslMutex_
    int receiveTimeoutMs_ = 0; // SO_RCVTIMEO as last set (0: none); the reader's
};

// Blocks SIGPIPE in the calling thread while it lives, and discards one it
// raised: OpenSSL writes to the socket with write(), which would kill the
// process when the peer has gone (send(MSG_NOSIGNAL) covers plain TCP).
class SigpipeBlock {
public:
    SigpipeBlock();
    ~SigpipeBlock();
    SigpipeBlock(const SigpipeBlock &) = delete;
    SigpipeBlock &operator=(const SigpipeBlock &) = delete;

private:
    sigset_t old_;
    bool pendingBefore_ = false;
};

// "ab:CD:01..." -> "abcd01..."; used to compare pins.
std::string normalizePin(const std::string &pin);
bool validPin(const std::string &pin); // 64 hex digits once normalized

} // namespace conduit::bootloader
