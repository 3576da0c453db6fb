// The libcurl options every transfer of the host shares (downloads in
// fetch.cpp, tus uploads in tusclient.cpp): one place for the protocols
// allowed, redirects refused, keep-alive, and the TLS trust (the configured
// CA set as the only anchors: pinning, and the client certificate).
#pragma once

#include <QSslConfiguration>

#include <optional>

typedef void CURL;

namespace conduit::transfer {

// curl_global_init, once per process (thread-safe).
void curlGlobalInit();

// No signals, http/https only, no redirects followed, TCP keep-alive, the
// error buffer (CURL_ERROR_SIZE bytes, owned by the caller, alive while the
// handle is used).
void applyCommonOptions(CURL *easy, char *errorBuffer);

// The same trust as the DDI client's: the CA set (pinning) and client
// certificate and key of `tls`, handed to libcurl as PEM (copied).
void applyTls(CURL *easy, const std::optional<QSslConfiguration> &tls);

} // namespace conduit::transfer
