#include "trust/httpsource.h"

#include "trust/trustlog.h"

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslKey>
#include <QTimer>

namespace conduit::trust {

namespace {

std::optional<QByteArray> readPem(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > 1024 * 1024) return std::nullopt;
    return file.readAll();
}

} // namespace

Result<QSslConfiguration> tlsConfigurationFromFiles(const QString &caFile, const QString &certFile,
                                                    const QString &keyFile) {
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!caFile.isEmpty()) {
        const auto pem = readPem(caFile);
        const QList<QSslCertificate> cas = pem ? QSslCertificate::fromData(*pem, QSsl::Pem) : QList<QSslCertificate>();
        if (cas.isEmpty())
            return trustError(TrustErrorKind::BadKey, QStringLiteral("no CA certificate in %1").arg(caFile));
        tls.setCaCertificates(cas);
    }
    if (!certFile.isEmpty() || !keyFile.isEmpty()) {
        const auto certPem = readPem(certFile);
        const auto keyPem = readPem(keyFile);
        const QList<QSslCertificate> certs =
            certPem ? QSslCertificate::fromData(*certPem, QSsl::Pem) : QList<QSslCertificate>();
        if (certs.isEmpty())
            return trustError(TrustErrorKind::BadKey, QStringLiteral("no client certificate in %1").arg(certFile));
        QSslKey key(keyPem.value_or(QByteArray()), QSsl::Ec, QSsl::Pem);
        if (key.isNull()) key = QSslKey(keyPem.value_or(QByteArray()), QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            return trustError(TrustErrorKind::BadKey, QStringLiteral("no EC or RSA private key in %1").arg(keyFile));
        tls.setLocalCertificate(certs.first());
        tls.setPrivateKey(key);
    }
    return tls;
}

HttpMetadataSource::HttpMetadataSource(HttpSourceConfig config)
    : m_config(std::move(config)), m_network(std::make_unique<QNetworkAccessManager>()) {
    if (!m_config.baseUrl.path().endsWith(u'/')) m_config.baseUrl.setPath(m_config.baseUrl.path() + u'/');
}

HttpMetadataSource::~HttpMetadataSource() = default;

std::optional<QByteArray> HttpMetadataSource::fetch(const QString &name, qint64 maxBytes) {
    m_lastError.clear();
    maxBytes = qBound<qint64>(0, maxBytes, qint64(1) << 40); // keeps maxBytes + 1 meaningful
    if (!isSafeRoleName(name)) {
        m_lastError = QStringLiteral("refusing unsafe metadata name %1").arg(name);
        return std::nullopt;
    }
    QNetworkRequest request(m_config.baseUrl.resolved(QUrl(name)));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    if (m_config.tls) request.setSslConfiguration(*m_config.tls);

    QNetworkReply *reply = m_network->get(request);
    std::unique_ptr<QNetworkReply> owner(reply);
    reply->setReadBufferSize(64 * 1024); // bounded buffering; we drain it below
    QByteArray body;
    bool tooLarge = false;
    bool timedOut = false;
    QEventLoop loop;
    QTimer total, stall;
    total.setSingleShot(true);
    stall.setSingleShot(true);

    QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
        stall.start(m_config.stallTimeoutMs);
        const qint64 keep = maxBytes + 1 - body.size();
        body += reply->read(qMax<qint64>(keep, 0));
        if (body.size() > maxBytes) {
            // One byte over the limit is all the parser needs to refuse it.
            tooLarge = true;
            reply->abort();
        }
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&total, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    QObject::connect(&stall, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    total.start(m_config.timeoutMs);
    stall.start(m_config.stallTimeoutMs);
    if (!reply->isFinished()) loop.exec(QEventLoop::ExcludeUserInputEvents);

    const QUrl url = reply->url();
    if (tooLarge) {
        qCWarning(lcTrust) << "metadata" << url << "is over" << maxBytes << "bytes; download aborted";
        return body;
    }
    if (timedOut) {
        m_lastError = QStringLiteral("slow retrieval: %1 timed out").arg(url.toString());
        return std::nullopt;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        m_lastError = status == 404
                          ? QStringLiteral("%1: not found").arg(url.toString())
                          : QStringLiteral("%1: %2 (HTTP %3)").arg(url.toString(), reply->errorString()).arg(status);
        if (status != 404) qCWarning(lcTrust) << m_lastError;
        return std::nullopt;
    }
    body += reply->read(qMax<qint64>(maxBytes + 1 - body.size(), 0));
    return body;
}

} // namespace conduit::trust
