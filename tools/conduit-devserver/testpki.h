// `conduit-devserver --make-test-pki DIR`: a throw-away PKI for tests and the
// demo, made with the OpenSSL 3 API (no openssl binary needed). NOT for
// production: keys are unencrypted and the CA signs whatever this tool says.
//
//   ca.pem ca.key                 test CA (RSA 2048, SHA-256)
//   server.pem server.key         SAN IP:127.0.0.1, DNS:localhost; serverAuth
//   client.pem client.key         CN=<client CN>; clientAuth; signed by ca
//   rogue-ca.pem rogue-client.pem rogue-client.key
//                                 a client certificate from another CA, which
//                                 a server trusting ca.pem must refuse
#pragma once

#include <QString>

namespace conduit::devserver {

bool makeTestPki(const QString &dir, const QString &clientCommonName, QString *error);

} // namespace conduit::devserver
