// DoIP over TLS (ISO 13400-2:2019, port 3496) for the simulator: a server
// context from a certificate and key (PEM files), and non-blocking streams
// over accepted sockets. The handshake runs inside the first reads/writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace conduit::ecusim {

class TlsStream {
public:
    explicit TlsStream(SSL *ssl) : ssl_(ssl) {}
    ~TlsStream();
    TlsStream(const TlsStream &) = delete;
    TlsStream &operator=(const TlsStream &) = delete;

    // > 0: bytes moved; 0: would block; -1: closed or failed (`error` says which).
    ssize_t read(uint8_t *data, size_t size, std::string &error);
    ssize_t write(const uint8_t *data, size_t size, std::string &error);
    // The last call stopped because TLS needs to write (poll for POLLOUT).
    bool wantsWrite() const { return wantsWrite_; }
    bool pending() const; // decrypted bytes buffered inside OpenSSL

private:
    ssize_t result(int n, std::string &error);
    SSL *ssl_;
    bool wantsWrite_ = false;
};

class TlsServer {
public:
    static std::unique_ptr<TlsServer> create(const std::string &certificate, const std::string &key,
                                             std::string &error);
    ~TlsServer();
    std::unique_ptr<TlsStream> wrap(int fd, std::string &error);

private:
    explicit TlsServer(SSL_CTX *ctx) : ctx_(ctx) {}
    SSL_CTX *ctx_;
};

} // namespace conduit::ecusim
