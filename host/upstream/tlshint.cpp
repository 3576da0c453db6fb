#include "tlshint.h"

#include <initializer_list>

namespace conduit::upstream {

namespace {

bool mentions(const QString &error, std::initializer_list<const char *> needles) {
    for (const char *n : needles)
        if (error.contains(QLatin1String(n), Qt::CaseInsensitive)) return true;
    return false;
}

} // namespace

QString withTlsHint(const QString &error, bool clientCertificate) {
    QString hint;
    // Alerts the server sends about our certificate (TLS 1.2 in the
    // handshake, TLS 1.3 on the first read).
    if (mentions(error, {"alert unknown ca", "alert bad certificate", "alert certificate unknown",
                         "alert access denied", "certificate required", "alert handshake failure"}))
        hint = clientCertificate
                   ? QStringLiteral("the server refused our client certificate (check [ddi] cert_file and key_file, "
                                    "and which CA the server trusts)")
                   : QStringLiteral("the server requires a client certificate (set [ddi] cert_file and key_file)");
    // Our verdict on the server's certificate.
    else if (mentions(error, {"issuer certificate", "self signed", "self-signed", "unable to get local issuer",
                              "certificate verify failed", "untrusted", "not trusted"}))
        hint = QStringLiteral("the server's certificate is not issued by a CA we trust (check [ddi] ca_file; without "
                              "it, the system CAs)");
    else if (mentions(error, {"expired", "not yet valid"}))
        hint = QStringLiteral("the server's certificate is not valid now (expired, or the vehicle's clock is wrong)");
    else if (mentions(error, {"host name", "hostname"}))
        hint = QStringLiteral("the server's certificate does not name this host (check [ddi] server)");
    return hint.isEmpty() || error.contains(hint) ? error : error + QStringLiteral(": ") + hint;
}

} // namespace conduit::upstream
