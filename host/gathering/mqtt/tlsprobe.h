// Why a TLS connection to the broker failed, in OpenSSL's words. Paho
// reports every failed TLS connect as "TCP/TLS connect failure", and its
// error callback cannot be used safely in Paho C++ 1.2 (the callback's
// context points at a copy of the options that is gone by the time OpenSSL
// reports). So after a failed ssl:// connect the link runs this probe once:
// a TCP connect and a TLS handshake with the same CA, host name and client
// certificate, then a short read, which is where a TLS 1.3 server's refusal
// of the client certificate arrives.
//
// [any-thread] Blocking (bounded by timeoutMs per step); the link runs it
// on a pool thread.
#pragma once

#include "messagelink.h"

#include <QString>

#include <optional>

namespace conduit::gathering::mqtt {

struct TlsProbe {
    QString uri; // for the messages
    QString host;
    quint16 port = 0;
    QString caFile;
    QString certFile; // optional, with keyFile
    QString keyFile;
    int timeoutMs = 3000;
};

// Unreachable or Tls with the cause; nullopt when the probe connected and
// nothing was refused (the failure was something else).
std::optional<LinkFailure> probeTls(const TlsProbe &p);

} // namespace conduit::gathering::mqtt
