#include "tlsserver.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace conduit::ecusim {

namespace {
std::string opensslError(const std::string &what) {
    const unsigned long code = ERR_get_error();
    char text[256] = "no detail";
    if (code) ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return what + ": " + text;
}
} // namespace

TlsStream::~TlsStream() {
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
}

bool TlsStream::pending() const { return SSL_pending(ssl_) > 0; }

ssize_t TlsStream::result(int n, std::string &error) {
    wantsWrite_ = false;
    if (n > 0) return n;
    switch (SSL_get_error(ssl_, n)) {
    case SSL_ERROR_WANT_READ: return 0;
    case SSL_ERROR_WANT_WRITE: wantsWrite_ = true; return 0;
    case SSL_ERROR_ZERO_RETURN: error = "TLS connection closed by the tester"; return -1;
    default: error = opensslError("TLS"); return -1;
    }
}

ssize_t TlsStream::read(uint8_t *data, size_t size, std::string &error) {
    return result(SSL_read(ssl_, data, int(size)), error);
}

ssize_t TlsStream::write(const uint8_t *data, size_t size, std::string &error) {
    return result(SSL_write(ssl_, data, int(size)), error);
}

std::unique_ptr<TlsServer> TlsServer::create(const std::string &certificate, const std::string &key,
                                             std::string &error) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return (error = opensslError("cannot create a TLS context")), nullptr;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1) {
        error = opensslError("cannot load the certificate " + certificate);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        error = opensslError("cannot load the private key " + key);
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        error = opensslError("the private key does not match " + certificate);
    } else {
        return std::unique_ptr<TlsServer>(new TlsServer(ctx));
    }
    SSL_CTX_free(ctx);
    return nullptr;
}

TlsServer::~TlsServer() { SSL_CTX_free(ctx_); }

std::unique_ptr<TlsStream> TlsServer::wrap(int fd, std::string &error) {
    SSL *ssl = SSL_new(ctx_);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        if (ssl) SSL_free(ssl);
        error = opensslError("cannot start TLS");
        return nullptr;
    }
    SSL_set_accept_state(ssl);
    return std::make_unique<TlsStream>(ssl);
}

} // namespace conduit::ecusim
