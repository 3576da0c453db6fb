#include "curloptions.h"

#include <QSslCertificate>
#include <QSslKey>

#include <curl/curl.h>

#include <mutex>

namespace conduit::transfer {

namespace {

void setBlob(CURL *easy, CURLoption option, QByteArray &pem) {
    curl_blob blob{pem.data(), size_t(pem.size()), CURL_BLOB_COPY};
    curl_easy_setopt(easy, option, &blob);
}

} // namespace

void curlGlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void applyCommonOptions(CURL *easy, char *errorBuffer) {
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L); // a redirect is refused by the caller
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
}

void applyTls(CURL *easy, const std::optional<QSslConfiguration> &tls) {
    if (!tls) return;
    QByteArray ca, chain, key;
    for (const QSslCertificate &c : tls->caCertificates()) ca += c.toPem();
    const auto local = tls->localCertificateChain().isEmpty() ? QList<QSslCertificate>{tls->localCertificate()}
                                                              : tls->localCertificateChain();
    for (const QSslCertificate &c : local)
        if (!c.isNull()) chain += c.toPem();
    if (!tls->privateKey().isNull()) key = tls->privateKey().toPem();
    if (!ca.isEmpty()) setBlob(easy, CURLOPT_CAINFO_BLOB, ca);
    if (!chain.isEmpty()) setBlob(easy, CURLOPT_SSLCERT_BLOB, chain);
    if (!key.isEmpty()) setBlob(easy, CURLOPT_SSLKEY_BLOB, key);
    if (tls->peerVerifyMode() == QSslSocket::VerifyNone) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

} // namespace conduit::transfer
