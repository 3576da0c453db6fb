// Online metadata: a TUF repository served over HTTP(S) in the plain layout
// that `conduit-repo publish` writes (N.root.json, timestamp.json, ...).
//
// fetch() is synchronous, as MetadataSource requires: it runs a local event
// loop until the reply ends, so call it from a thread that owns the source
// (e.g. the trust worker), never from a GUI thread. Bytes are capped while
// reading: at most maxBytes + 1 are kept and the download is aborted there,
// so an endless response costs a bounded amount of memory and time.
// Redirects are not followed (a repository URL is configuration, not
// something a server may change).
#pragma once

#include "trust/repository.h"

#include <QSslConfiguration>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace conduit::trust {

struct HttpSourceConfig {
    QUrl baseUrl;                         // the repository directory, e.g. https://repo/director/
    std::optional<QSslConfiguration> tls; // CA, client certificate (mutual TLS); default: system CAs
    int timeoutMs = 30000;                // whole request
    int stallTimeoutMs = 10000;           // no byte received for this long: slow-retrieval attack
};

// TLS settings from PEM files: `caFile` replaces the system CAs when given;
// `certFile` + `keyFile` is the vehicle's client certificate.
Result<QSslConfiguration> tlsConfigurationFromFiles(const QString &caFile, const QString &certFile,
                                                    const QString &keyFile);

class HttpMetadataSource : public MetadataSource {
public:
    explicit HttpMetadataSource(HttpSourceConfig config);
    ~HttpMetadataSource() override;

    // nullopt on 404 and on any failure; lastError() says which.
    std::optional<QByteArray> fetch(const QString &name, qint64 maxBytes) override;
    QString lastError() const { return m_lastError; }

private:
    HttpSourceConfig m_config;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QString m_lastError;
};

} // namespace conduit::trust
