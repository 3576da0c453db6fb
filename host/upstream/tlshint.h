// Why a TLS connection to the fleet server failed, in the operator's terms:
// the raw OpenSSL/Qt text ("tlsv1 alert unknown ca", "certificate
// required", "The issuer certificate … could not be found") followed by
// which setting to look at (docs/upstream.md, the table of refusals).
#pragma once

#include <QString>

namespace conduit::upstream {

// `error` unchanged when it is not a TLS refusal we know; else `error`
// plus ": <hint>". `clientCertificate`: a client certificate was offered.
QString withTlsHint(const QString &error, bool clientCertificate);

} // namespace conduit::upstream
